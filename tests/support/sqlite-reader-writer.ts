// A second process on a SQLite file: one transaction that reads, waits a moment
// (another process writes meanwhile), then writes. Prints "ok" or the error.
import { sql } from 'kysely';
import { openStore } from '../../src-service/store/db';

async function main() {
  const store = openStore(process.argv[2]);
  try {
    await store.db.transaction().execute(async (trx) => {
      await sql`select count(*) from t`.execute(trx);
      process.stdout.write('read\n');
      await new Promise((resolve) => setTimeout(resolve, 400));
      await sql`insert into t (x) values (2)`.execute(trx);
    });
    process.stdout.write('ok\n');
  } catch (error) {
    process.stdout.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    await store.close();
  }
}

void main();
