// 009, issue 12: the audit log in 16 hash chains, so writers need not all wait
// for one head row. audit_head.id is the chain's number and last_seq (was
// last_id) its last record's position; a record has a chain and a seq, and its
// hash covers the seq. The records so far become chain 1 with seq = id: their
// hashes were computed over the id, so they stay valid as written. From now on
// audit_log.id is only a global number the database assigns.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';

const CHAINS = 16;
const GENESIS_HASH = '0'.repeat(64);

export function auditChains(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect === 'postgres') {
        await chains(db, dialect);
        return;
      }
      // SQLite runs a migration outside a transaction: this one makes its own, so a
      // crash leaves all of it or none, and a run after a crash before Kysely
      // recorded it finds it done.
      const columns = await sql<{ name: string }>`select name from pragma_table_info('audit_log')`.execute(db);
      if (columns.rows.some((c) => c.name === 'chain')) return;
      await db.transaction().execute((trx) => chains(trx, dialect));
    },
  };
}

async function chains(db: Kysely<any>, dialect: DialectName): Promise<void> {
  // SQLite adds a NOT NULL column only with a default; every insert names both anyway.
  await db.schema
    .alterTable('audit_log')
    .addColumn('chain', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('audit_log')
    .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db
    .updateTable('audit_log')
    .set({ seq: sql`id` })
    .execute();
  if (dialect === 'postgres') {
    await sql`alter table audit_log alter column chain drop default, alter column seq drop default`.execute(db);
  }
  // One place per position of a chain; also the order verify-audit walks a chain in.
  await db.schema.createIndex('audit_log_chain_seq').on('audit_log').columns(['chain', 'seq']).unique().execute();

  await db.schema.alterTable('audit_head').renameColumn('last_id', 'last_seq').execute();
  await db
    .insertInto('audit_head')
    .values(Array.from({ length: CHAINS - 1 }, (_, i) => ({ id: i + 2, last_seq: 0, last_hash: GENESIS_HASH })))
    .execute();

  // Ids were given explicitly until now, so PostgreSQL's identity sequence never
  // moved; it is set past them. SQLite's AUTOINCREMENT already counts explicit ids.
  if (dialect === 'postgres') {
    await sql`select setval(pg_get_serial_sequence('audit_log', 'id'),
                            (select coalesce(max(id), 0) + 1 from audit_log), false)`.execute(db);
  }
}
