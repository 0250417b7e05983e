// `npm run counter -- [--db PATH|postgres://…] <command> …` — the bank counter.
//   unlock-user <login-name>      clear a password lock
// The database defaults to SETTLEKEY_DB, else the embedded default's file.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, errorMessage } from '../../src-shared/errors';
import { defaultUserDataDir } from '../../src-main/core/paths';
import { openStore } from '../store/db';
import { migrateToLatest } from '../store/migrations';
import { counterUnlockUser } from './commands';

const USAGE = `usage: npm run counter -- [--db PATH|postgres://…] <command>
  unlock-user <login-name>   clear a user's password lock`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const database = values.db ?? process.env.SETTLEKEY_DB ?? join(defaultUserDataDir(), 'settlement.sqlite');
  const store = openStore(database);
  try {
    await migrateToLatest(store.db, store.dialect);
    switch (command) {
      case 'unlock-user': {
        if (rest.length !== 1) throw new UsageError('unlock-user takes one login name');
        console.log(await counterUnlockUser(store.db, rest[0]));
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
