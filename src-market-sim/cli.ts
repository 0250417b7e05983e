// `npm run market -- [--db …] <command> …` — the market simulator: what a
// trading market's own system would ask of the bank, for the demo and for
// producing every query category and every cancel refusal by hand.
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, errorMessage } from '../src-shared/errors';
import { formatFen, parseYuan, type Fen } from '../src-shared/money';
import { defaultDatabaseOn } from '../src-shared/user-data';
// The one exception to "src-shared only" (eslint.config.mjs, MARKET_SIM_DIRECT_DB): until the
// market API exists, the simulator writes the market's events straight into the service's database.
import { createContext } from '../src-service/context';
import { SERVICE_VERSION } from '../src-service/server';
import { openStore } from '../src-service/store/db';
import { migrateToLatest } from '../src-service/store/migrations';
import * as events from '../src-service/markets/events';
import { registerMemberCode, setSignedIn } from '../src-service/markets/markets';
import { custodyAccount, reconciliation } from '../src-service/markets/reconciliation';

const USAGE = `usage: npm run market -- [--db PATH|postgres://…] <command> --market CODE …
  register --code M --cert CERT_NO --name NAME      register a member code in the market's register
  sign-in | sign-out                                 the market's 签到 / 签退 for today
  refuse-next [--count N]                            refuse the next N deposits (default 1)
  incoming-transfer --card NO --payer NAME --amount YUAN
                                                     a transfer from another bank's card into the summary account
  deposit | withdraw --code M --amount YUAN          market-initiated deposit / withdrawal
  clearing --payer M --payee M --amount YUAN [--fee YUAN]
  b2b-trade --payer M --payee M --amount YUAN [--fee YUAN] [--description TEXT]
  freeze --code M --amount YUAN [--key K]            freeze (prints the key to unfreeze with)
  unfreeze --freeze-key K
  member-state --code M [--trades N] [--positions N] [--dispute yes|no] [--evidence yes|no]
  allocate --suspense ID --code M                    allocate a suspense record to a member
  reconcile [--date YYYY-MM-DD]                      the reconciliation file (JSON)
  custody                                            the summary custody account and its sub-accounts
Every event takes --key K (default: random); the same key twice is answered once.`;

class UsageError extends Error {}

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

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      db: { type: 'string' },
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
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  const command = positionals[0];
  if (!command || values.help) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const store = openStore(
    values.db ?? defaultDatabaseOn({ platform: process.platform, env: process.env, home: homedir(), join }),
  );
  try {
    await migrateToLatest(store);
    const ctx = createContext(store, { demo: false, testMode: false, version: SERVICE_VERSION });
    const marketCode = need(values.market, 'market');
    const key = values.key ?? randomBytes(8).toString('hex');
    const fee = values.fee ? money(values.fee, 'fee') : (0 as Fen);
    const yesNo = (v: string | undefined) => (v === undefined ? undefined : v === 'yes');
    let result: unknown;
    switch (command) {
      case 'register':
        result = await registerMemberCode(ctx, {
          marketCode,
          memberCode: need(values.code, 'code'),
          certNo: need(values.cert, 'cert'),
          name: need(values.name, 'name'),
        });
        break;
      case 'sign-in':
      case 'sign-out':
        await setSignedIn(ctx, marketCode, command === 'sign-in');
        result = { market: marketCode, signedIn: command === 'sign-in', businessDate: ctx.clock.today() };
        break;
      case 'refuse-next':
        result = await events.refuseNextDeposits(ctx, { marketCode, count: Number(values.count ?? 1), key });
        break;
      case 'incoming-transfer':
        result = await events.incomingTransfer(ctx, {
          marketCode,
          cardNo: need(values.card, 'card'),
          payerName: need(values.payer, 'payer'),
          amount: money(values.amount, 'amount'),
          key,
        });
        break;
      case 'deposit':
      case 'withdraw':
        result = await events.marketMoney(ctx, {
          direction: command,
          marketCode,
          memberCode: need(values.code, 'code'),
          amount: money(values.amount, 'amount'),
          key,
        });
        break;
      case 'clearing':
        result = await events.clearing(ctx, {
          marketCode,
          payerCode: need(values.payer, 'payer'),
          payeeCode: need(values.payee, 'payee'),
          amount: money(values.amount, 'amount'),
          fee,
          key,
        });
        break;
      case 'b2b-trade':
        result = await events.b2bTrade(ctx, {
          marketCode,
          payerCode: need(values.payer, 'payer'),
          payeeCode: need(values.payee, 'payee'),
          amount: money(values.amount, 'amount'),
          fee,
          description: values.description ?? 'B2B trade',
          key,
        });
        break;
      case 'freeze':
        result = {
          ...(await events.freeze(ctx, {
            marketCode,
            memberCode: need(values.code, 'code'),
            amount: money(values.amount, 'amount'),
            key,
          })),
          freezeKey: key,
        };
        break;
      case 'unfreeze':
        result = await events.unfreeze(ctx, { marketCode, freezeKey: need(values['freeze-key'], 'freeze-key'), key });
        break;
      case 'member-state':
        result = await events.memberState(ctx, {
          marketCode,
          memberCode: need(values.code, 'code'),
          unfinishedTrades: values.trades === undefined ? undefined : Number(values.trades),
          openPositions: values.positions === undefined ? undefined : Number(values.positions),
          disputeOpen: yesNo(values.dispute),
          disputeEvidence: yesNo(values.evidence),
          key,
        });
        break;
      case 'allocate':
      case 'suspense-allocate':
        result = await events.allocateSuspense(ctx, {
          marketCode,
          suspenseId: Number(need(values.suspense, 'suspense')),
          memberCode: need(values.code, 'code'),
          key,
        });
        break;
      case 'reconcile': {
        const file = await reconciliation(ctx, marketCode, values.date ?? ctx.clock.today());
        result = {
          ...file,
          summary: `${file.market.code} ${file.businessDate}: summary ${formatFen(file.totals.summary)}, ledger ${formatFen(file.ledgerSummary)}, ${file.ties ? 'ties' : 'DOES NOT TIE'}`,
        };
        break;
      }
      case 'custody':
        result = await custodyAccount(ctx, marketCode);
        break;
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
    console.log(JSON.stringify(result, null, 2));
    return 0;
  } finally {
    await store.close();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
    else if (error instanceof AppError)
      console.error(`${errorMessage(error.code, 'zh-CN', error.params)} / ${error.message}`);
    else console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof UsageError ? 2 : 1);
  });
