// `npm run market -- <command> …` — the market simulator: what a trading
// market's own system asks of the bank, through the market API only. `serve`
// runs the simulator (its keys, its HTTPS server for the bank's notices and
// acceptance questions); every other command asks the running simulator, which
// signs the request with the market's key.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import {
  simControlPaths,
  simMarketPaths,
  SimSendReply,
  type MarketOperation,
  type SimControlFile,
} from '../src-shared/api/market-sim';
import { addDays, businessDateOf } from '../src-shared/business-day';
import { ERROR_MESSAGES, errorMessage, type ErrorCode } from '../src-shared/errors';
import { parseYuan, type Fen } from '../src-shared/money';
import { defaultSimFolder, marketKeyOf, readControl, serverTls } from './folder';
import { startSimulator } from './server';

const USAGE = `usage: npm run market -- [--data DIR] <command> …
  serve --service URL [--markets EXCH01,B2B02,AGRI03] [--port N] [--bank-ca FILE]
                                                     run the simulator (its keys and HTTPS server in DIR)
  keys [--markets CODES]                             what the bank needs to connect the markets: each one's key id and
                                                     public key file, and the server certificate to trust
Every other command takes --market CODE and goes through the running simulator:
  register --code M --cert CERT_NO --name NAME      register a member code in the market's register
  sign-in | sign-out                                 the market's 签到 / 签退 for today
  refuse-next [--count N]                            answer the bank's next N acceptance questions no (default 1)
  incoming-transfer --card NO --payer NAME --amount YUAN
                                                     a transfer from another bank's card into the summary account
  deposit | withdraw --code M --amount YUAN          market-initiated deposit / withdrawal
  clearing --payer M --payee M --amount YUAN [--fee YUAN]
  b2b-trade --payer M --payee M --amount YUAN [--fee YUAN] [--description TEXT]
  freeze --code M --amount YUAN [--key K]            freeze (prints the key to unfreeze with)
  unfreeze --freeze-key K
  member-state --code M [--trades N] [--positions N] [--dispute yes|no] [--evidence yes|no]
  allocate --suspense ID --code M                    allocate a suspense record to a member
  member --code M                                    the member's account and balances
  custody                                            the summary custody account and its sub-accounts
  reconcile [--date YYYY-MM-DD]                      the reconciliation file of an ended day (default yesterday)
  compare --file FILE [--date YYYY-MM-DD]            the market's own file matched with the bank's
  status --key K                                     what became of an earlier request
  notices                                            the notices the bank delivered to the market
Every event takes --key K (default: random); the same key twice is answered once.`;

const DEMO_MARKETS = 'EXCH01,B2B02,AGRI03';

class UsageError extends Error {}
/** The bank refused: its error code, said in both languages. */
class Refused extends Error {}

function money(value: string | undefined, name: string): Fen {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  const parsed = parseYuan(value);
  if (!parsed.ok) throw new UsageError(`--${name}: ${errorMessage(parsed.error, 'en')}`);
  return parsed.fen;
}

function need(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function count(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value)) throw new UsageError(`--${name} must be a whole number, got ${value}`);
  return Number(value);
}

function yesNo(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'yes' && value !== 'no') throw new UsageError(`--${name} must be yes or no, got ${value}`);
  return value === 'yes';
}

/** A control request to the running simulator, its own certificate trusted and nothing else. */
async function control(sim: SimControlFile, path: string, body?: unknown): Promise<unknown> {
  const res = await request(new URL(path, sim.url), {
    method: body === undefined ? 'GET' : 'POST',
    dispatcher: new Agent({ connect: { ca: readFileSync(sim.ca, 'utf8') } }),
    headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((error: unknown) => {
    throw new Error(`the market simulator at ${sim.url} does not answer (${String(error)}); is it still running?`);
  });
  const answer = (await res.body.json()) as { error?: string };
  if (res.statusCode !== 200) throw new Error(`the market simulator: ${answer.error ?? res.statusCode}`);
  return answer;
}

/** What the bank answered, or a Refused naming its error in both languages. */
function bankAnswer(reply: unknown): unknown {
  const { status, body } = SimSendReply.parse(reply);
  if (status >= 200 && status < 300) return body;
  const error = (body as { error?: { code?: string; message?: string; params?: Record<string, unknown> } }).error;
  const code = error?.code;
  if (code && code in ERROR_MESSAGES) {
    const params = error?.params as Parameters<typeof errorMessage>[2];
    throw new Refused(
      `${errorMessage(code as ErrorCode, 'zh-CN', params)} / ${errorMessage(code as ErrorCode, 'en', params)}`,
    );
  }
  throw new Refused(`the bank answered ${status}: ${JSON.stringify(body)}`);
}

const announce = (message: object) => {
  const parentPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void } }).parentPort;
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
};

async function serve(dir: string, values: Record<string, string | boolean | undefined>): Promise<void> {
  const port = Number(values.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535`);
  const markets = String(values.markets ?? DEMO_MARKETS)
    .split(',')
    .filter(Boolean);
  const sim = await startSimulator({
    dir,
    markets,
    service: values.service as string | undefined,
    port,
    bankCa: values['bank-ca'] ? readFileSync(String(values['bank-ca']), 'utf8') : undefined,
  });
  process.stdout.write(`market simulator listening on ${sim.url} (its certificate: ${sim.caFile})\n`);
  // Started by the app, its demo service connects the markets itself; by hand, bank staff do.
  const byApp = Boolean(process.send) || 'parentPort' in process;
  for (const m of byApp ? [] : sim.markets) {
    const paths = simMarketPaths(m.code);
    process.stdout.write(
      `${m.code}: key ${m.key.keyId}; the bank registers it and the market's URLs with\n` +
        `  npm run counter -- market-keys add ${m.code} --public-key ${m.publicKeyFile}\n` +
        `  npm run counter -- market-notice-url ${m.code} ${sim.url}${paths.notice}\n` +
        `  npm run counter -- market-acceptance-url ${m.code} ${sim.url}${paths.acceptance}\n`,
    );
  }
  announce({
    type: 'settlekey-market-sim-ready',
    url: sim.url,
    caFile: sim.caFile,
    markets: sim.markets.map((m) => ({ code: m.code, keyId: m.key.keyId, publicKeyPem: m.publicKeyPem })),
  });
  const stop = () => void sim.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Started by the app: it goes when the app goes.
  process.on('disconnect', stop);
  await new Promise(() => undefined);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      data: { type: 'string' },
      service: { type: 'string' },
      markets: { type: 'string' },
      port: { type: 'string' },
      'bank-ca': { type: 'string' },
      market: { type: 'string' },
      code: { type: 'string' },
      cert: { type: 'string' },
      name: { type: 'string' },
      card: { type: 'string' },
      payer: { type: 'string' },
      payee: { type: 'string' },
      amount: { type: 'string' },
      fee: { type: 'string' },
      description: { type: 'string' },
      count: { type: 'string' },
      key: { type: 'string' },
      'freeze-key': { type: 'string' },
      trades: { type: 'string' },
      positions: { type: 'string' },
      dispute: { type: 'string' },
      evidence: { type: 'string' },
      suspense: { type: 'string' },
      date: { type: 'string' },
      file: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  const command = positionals[0];
  if (!command || values.help) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const dir = values.data ?? defaultSimFolder();
  if (command === 'serve') {
    await serve(dir, values);
    return 0;
  }
  if (command === 'keys') {
    for (const code of (values.markets ?? DEMO_MARKETS).split(',').filter(Boolean)) {
      const m = marketKeyOf(dir, code);
      console.log(`${code}  ${m.key.keyId}  ${m.publicKeyFile}`);
    }
    console.log(`server certificate  ${serverTls(dir).caFile}`);
    return 0;
  }
  const code = need(values.market, 'market');
  const key = values.key ?? randomBytes(8).toString('hex');
  const fee = values.fee ? money(values.fee, 'fee') : (0 as Fen);
  // Everything a command needs is checked before the simulator is asked anything.
  // A market API operation the simulator signs and sends (a body always carries
  // the request's key), or a question for the simulator itself.
  type Step =
    { operation: MarketOperation; input: Record<string, unknown> } | { local: { path: string; body?: unknown } };
  const sent = (operation: MarketOperation, body?: Record<string, unknown>): Step => ({
    operation,
    input: body ? { body: { ...body, key } } : {},
  });
  const yesterday = () => values.date ?? addDays(businessDateOf(new Date()), -1);
  const memberCode = () => need(values.code, 'code');
  const amount = () => money(values.amount, 'amount');
  // A clearing and a B2B trade move money the same way: payer → payee, with a fee.
  const payment = () => ({
    payerCode: need(values.payer, 'payer'),
    payeeCode: need(values.payee, 'payee'),
    amount: amount(),
    fee,
  });
  const commands: Record<string, () => Step> = {
    register: () =>
      sent('market.registerMember', {
        memberCode: memberCode(),
        certNo: need(values.cert, 'cert'),
        name: need(values.name, 'name'),
      }),
    'sign-in': () => sent('market.signIn'),
    'sign-out': () => sent('market.signOut'),
    'refuse-next': () => ({
      local: { path: simControlPaths.refuseNext(code), body: { count: count(values.count, 'count') ?? 1 } },
    }),
    'incoming-transfer': () =>
      sent('market.incomingTransfer', {
        cardNo: need(values.card, 'card'),
        payerName: need(values.payer, 'payer'),
        amount: amount(),
      }),
    deposit: () => sent('market.money', { direction: 'deposit', memberCode: memberCode(), amount: amount() }),
    withdraw: () => sent('market.money', { direction: 'withdraw', memberCode: memberCode(), amount: amount() }),
    clearing: () => sent('market.clearing', payment()),
    'b2b-trade': () => sent('market.b2bTrade', { ...payment(), description: values.description ?? 'B2B trade' }),
    freeze: () => sent('market.freeze', { memberCode: memberCode(), amount: amount() }),
    unfreeze: () => sent('market.unfreeze', { freezeKey: need(values['freeze-key'], 'freeze-key') }),
    'member-state': () =>
      sent('market.memberState', {
        memberCode: memberCode(),
        unfinishedTrades: count(values.trades, 'trades'),
        openPositions: count(values.positions, 'positions'),
        disputeOpen: yesNo(values.dispute, 'dispute'),
        disputeEvidence: yesNo(values.evidence, 'evidence'),
      }),
    allocate: () =>
      sent('market.allocateSuspense', {
        suspenseId: count(need(values.suspense, 'suspense'), 'suspense'),
        memberCode: memberCode(),
      }),
    member: () => ({ operation: 'market.memberAccount', input: { memberCode: memberCode() } }),
    custody: () => sent('market.custody'),
    reconcile: () => ({ operation: 'market.reconciliationFile', input: { date: yesterday() } }),
    compare: () => ({
      operation: 'market.compareReconciliation',
      input: { date: yesterday(), body: { file: readFileSync(need(values.file, 'file'), 'utf8') } },
    }),
    status: () => ({ operation: 'market.request', input: { key: need(values.key, 'key') } }),
    notices: () => ({ local: { path: simControlPaths.notices(code) } }),
  };
  const make = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!make) throw new UsageError(`unknown command: ${command}`);
  const step = make();
  const sim = readControl(dir);
  const result =
    'local' in step
      ? await control(sim, step.local.path, step.local.body)
      : bankAnswer(await control(sim, simControlPaths.send(code), step));
  const out = command === 'freeze' ? { ...(result as object), freezeKey: key } : result;
  // The reconciliation file is printed as the file it is, its signed manifest after it.
  if (command === 'reconcile') {
    const file = out as { content: string; manifestJson: string };
    process.stdout.write(`${file.content}${file.content.endsWith('\n') ? '' : '\n'}${file.manifestJson}\n`);
  } else console.log(JSON.stringify(out, null, 2));
  return 0;
}

main()
  .then((code) => {
    // `serve` keeps running; everything else ends here.
    if (code !== 0 || process.argv.indexOf('serve') < 0) process.exit(code);
  })
  .catch((error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
    else console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof UsageError ? 2 : 1);
  });
