// `npm run counter -- [--db PATH|postgres://…] <command> …` — the bank counter.
// The database defaults to SETTLEKEY_DB, else the embedded default's file.
// PINs are read from standard input (a prompt without echo on a terminal),
// never from the command line.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { AppError, errorMessage } from '../../../src-shared/errors';
import { defaultDatabaseOn } from '../../../src-shared/user-data';
import { findKnownModule } from '../../../src-token/module-paths';
import { knownSkfLibraries, skfSimulatorLibrary } from '../../../src-token/skf-libraries';
import { createContext } from '../../context';
import { SERVICE_VERSION } from '../../server';
import { openStore } from '../../store/db';
import { migrateToLatest } from '../../store/migrations';
import { counterIssueToken, counterRevoke, counterUnlockUser } from './commands';
import { counterMarketKeyAdd, counterMarketKeyList, counterMarketKeyRevoke, counterMarketUrl } from './market-keys';
import {
  counterRegistrationApprove,
  counterRegistrationExport,
  counterRegistrationList,
  counterRegistrationReject,
  counterRegistrationShow,
} from './registrations';

const USAGE = `usage: npm run counter -- [--db PATH|postgres://…] <command>
  unlock-user <login-name>          clear a user's password lock
  issue-token <login-name> --token-label LABEL [--init] [--module PATH] [--key-type rsa|ec|sm2]
              [--skf-library PATH] [--days N]
                                    generate a key on the USB-KEY, issue and write its certificate;
                                    sm2: an SKF (国密) USB-KEY through --skf-library (default: the
                                    simulator when SETTLEKEY_SKF_SOFT_DIR is set, else a known path);
                                    PINs come on standard input: the user PIN, then (with --init) the
                                    SO PIN (on SKF, the application's admin PIN)
  revoke <serial> --reason TEXT     revoke a certificate (checked on every signature from then on)
  registrations list [--status pending|approved|rejected|all]
                                    member registrations (default: pending)
  registrations show <serial>       one application and the files inside its documents archive
  registrations export <serial> --out FILE
                                    the documents archive exactly as uploaded
  registrations approve <serial>    create the member and its user; the initial password goes by SMS
  registrations reject <serial> --reason TEXT
                                    refuse it; the applicant is told by SMS
  market-keys list <market-code>    a market's API keys, usable and revoked
  market-keys add <market-code> --public-key FILE
                                    register the public key (PEM, Ed25519 or P-256) a market's system
                                    signs its API requests with; prints the key id the market signs under
  market-keys revoke <key-id>       refuse requests signed with that key from now on
  market-notice-url <market-code> <https-url> | --clear
                                    where the market's system receives its notices (none: held)
  market-acceptance-url <market-code> <https-url> | --clear
                                    where the market answers before a transfer from another bank is
                                    credited to its member (none: not asked)`;

/** Reads PIN lines from stdin; on a terminal, prompts without echoing them. */
async function readSecrets(prompts: string[]): Promise<string[]> {
  const input = process.stdin;
  const rl = createInterface({
    input,
    terminal: input.isTTY === true,
    output: input.isTTY ? process.stderr : undefined,
  });
  const answers: string[] = [];
  const lines = rl[Symbol.asyncIterator]();
  for (const prompt of prompts) {
    if (input.isTTY) process.stderr.write(`${prompt}: `);
    const next = await lines.next();
    if (next.done) throw new UsageError(`${prompt} expected on standard input`);
    answers.push(String(next.value).trim());
    if (input.isTTY) process.stderr.write('\n');
  }
  rl.close();
  return answers;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      module: { type: 'string' },
      'skf-library': { type: 'string' },
      'token-label': { type: 'string' },
      init: { type: 'boolean', default: false },
      'key-type': { type: 'string', default: 'rsa' },
      days: { type: 'string' },
      reason: { type: 'string' },
      status: { type: 'string' },
      out: { type: 'string' },
      'public-key': { type: 'string' },
      clear: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const database =
    values.db ?? defaultDatabaseOn({ platform: process.platform, env: process.env, home: homedir(), join });
  const store = openStore(database);
  try {
    await migrateToLatest(store);
    switch (command) {
      case 'unlock-user': {
        if (rest.length !== 1) throw new UsageError('unlock-user takes one login name');
        console.log(await counterUnlockUser(store.db, rest[0]));
        return 0;
      }
      case 'issue-token': {
        if (rest.length !== 1 || !values['token-label'])
          throw new UsageError('issue-token takes a login name and --token-label');
        const keyType = values['key-type'];
        if (keyType !== 'rsa' && keyType !== 'ec' && keyType !== 'sm2')
          throw new UsageError('--key-type is rsa, ec or sm2');
        const skfLibrary =
          keyType === 'sm2'
            ? (values['skf-library'] ??
              (process.env.SETTLEKEY_SKF_SOFT_DIR ? skfSimulatorLibrary() : null) ??
              knownSkfLibraries().find((l) => existsSync(l.path))?.path)
            : undefined;
        if (keyType === 'sm2' && !skfLibrary) throw new UsageError('no SKF library found; give --skf-library PATH');
        const modulePath = keyType === 'sm2' ? '' : (values.module ?? findKnownModule()?.path);
        if (modulePath === undefined) throw new UsageError('no PKCS#11 module found; give --module PATH');
        const [userPin, soPin] = await readSecrets(values.init ? ['User PIN', 'SO PIN'] : ['User PIN']);
        // The CA key is where the service recorded it: its HSM (SETTLEKEY_HSM_*), or a demo's own.
        const ctx = createContext(store, {
          demo: false,
          testMode: false,
          version: SERVICE_VERSION,
          keys: { demo: 'as-recorded' },
        });
        console.log(
          await counterIssueToken(ctx, {
            loginName: rest[0],
            modulePath,
            skfLibrary,
            tokenLabel: values['token-label'],
            init: values.init ?? false,
            userPin,
            soPin,
            keyType,
            validityDays: values.days ? Number(values.days) : undefined,
          }),
        );
        return 0;
      }
      case 'revoke': {
        if (rest.length !== 1 || !values.reason) throw new UsageError('revoke takes a serial and --reason');
        const ctx = createContext(store, { demo: false, testMode: false, version: SERVICE_VERSION });
        console.log(await counterRevoke(ctx, rest[0], values.reason));
        return 0;
      }
      case 'registrations': {
        const [sub, serial] = rest;
        const ctx = createContext(store, { demo: false, testMode: false, version: SERVICE_VERSION });
        const status = values.status ?? 'pending';
        if (sub === 'list') {
          if (!['pending', 'approved', 'rejected', 'all'].includes(status))
            throw new UsageError('--status is pending, approved, rejected or all');
          console.log(await counterRegistrationList(ctx, status as 'pending'));
        } else if (sub === 'show' && serial) {
          console.log(await counterRegistrationShow(ctx, serial));
        } else if (sub === 'export' && serial && values.out) {
          console.log(await counterRegistrationExport(ctx, serial, values.out));
        } else if (sub === 'approve' && serial) {
          console.log(await counterRegistrationApprove(ctx, serial));
        } else if (sub === 'reject' && serial && values.reason) {
          console.log(await counterRegistrationReject(ctx, serial, values.reason));
        } else {
          throw new UsageError(
            'registrations: list | show <serial> | export <serial> --out FILE | approve <serial> | reject <serial> --reason TEXT',
          );
        }
        return 0;
      }
      case 'market-keys': {
        const [sub, target] = rest;
        const ctx = createContext(store, { demo: false, testMode: false, version: SERVICE_VERSION });
        if (sub === 'list' && target) console.log(await counterMarketKeyList(ctx, target));
        else if (sub === 'add' && target && values['public-key'])
          console.log(await counterMarketKeyAdd(ctx, target, values['public-key']));
        else if (sub === 'revoke' && target) console.log(await counterMarketKeyRevoke(ctx, target));
        else
          throw new UsageError(
            'market-keys: list <market-code> | add <market-code> --public-key FILE | revoke <key-id>',
          );
        return 0;
      }
      case 'market-notice-url':
      case 'market-acceptance-url': {
        const [market, url] = rest;
        if (!market || (url === undefined) === !values.clear)
          throw new UsageError(`${command} takes a market code and an https URL, or --clear`);
        const ctx = createContext(store, { demo: false, testMode: false, version: SERVICE_VERSION });
        const which = command === 'market-notice-url' ? 'notice' : 'acceptance';
        console.log(await counterMarketUrl(ctx, market, which, url ?? null));
        return 0;
      }
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } finally {
    await store.close();
  }
}

class UsageError extends Error {}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
    else if (error instanceof AppError)
      console.error(errorMessage(error.code, 'zh-CN', error.params) + ' / ' + error.message);
    else console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof UsageError ? 2 : 1);
  });
