// 007, issue 10: the database's own bound on every money column.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';

export function amountBounds(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      // Every money column stays within ±(2^53−1) fen, the last integer a
      // JavaScript number carries exactly, so whatever is stored reads back.
      // Balances are refused before they get there (ledger/post.ts); these
      // are the database's own word on it. Single amounts are stored within
      // the same range: their tighter request bound (MAX_FEN) is checked where
      // they enter, and rows written before it existed must still be readable.
      const max = String(Number.MAX_SAFE_INTEGER);
      const bounds: { table: string; name: string; check: (row: string) => string }[] = [
        {
          table: 'accounts',
          name: 'accounts_amount_bounds',
          check: (r) => `${r}balance between -${max} and ${max} and ${r}held between 0 and ${max}`,
        },
        // The contra accounts (other banks, the bank's funding) keep no row balance:
        // every incoming transfer passes through one, and its figure is the sum of its lines.
        {
          table: 'accounts',
          name: 'accounts_contra_keeps_no_balance',
          check: (r) => `${r}allow_negative = 0 or (${r}balance = 0 and ${r}held = 0)`,
        },
        { table: 'holds', name: 'holds_amount_bounds', check: (r) => `${r}amount <= ${max}` },
        {
          table: 'journal_lines',
          name: 'journal_lines_amount_bounds',
          check: (r) =>
            `${r}debit <= ${max} and ${r}credit <= ${max} and ` +
            `(${r}balance_after is null or ${r}balance_after between -${max} and ${max})`,
        },
        {
          table: 'instructions',
          name: 'instructions_amount_bounds',
          check: (r) => `${r}amount is null or ${r}amount between 0 and ${max}`,
        },
        {
          table: 'b2b_trades',
          name: 'b2b_trades_amount_bounds',
          check: (r) => `${r}amount between 0 and ${max} and ${r}fee between 0 and ${max}`,
        },
        {
          table: 'suspense_records',
          name: 'suspense_amount_bounds',
          check: (r) => `${r}amount between 0 and ${max}`,
        },
      ];

      // SQLite's triggers do not look at rows already there: no bound is added over a row that breaks it,
      // and nothing is changed before that is known. A contra row is not checked: what it kept is dropped below.
      for (const b of bounds) {
        if (b.name === 'accounts_contra_keeps_no_balance') continue;
        const contra = b.table === 'accounts' ? 'allow_negative = 0 and ' : '';
        const bad = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(b.table)}
                    where ${sql.raw(contra)}not (${sql.raw(b.check(''))})`.execute(db);
        if (Number(bad.rows[0]?.n ?? 0) > 0) {
          throw new Error(
            `007_amount_bounds: ${String(bad.rows[0].n)} row(s) of ${b.table} break ${b.name} ` +
              `(${b.check('')}); correct them with a journal entry, then migrate again`,
          );
        }
      }

      // What a contra row kept until now — possibly past any bound, the value that failed every
      // later read — is its lines' sum, and its lines keep it.
      await db.updateTable('accounts').set({ balance: 0, held: 0 }).where('allow_negative', '=', 1).execute();

      for (const b of bounds) {
        if (dialect === 'postgres') {
          await sql`alter table ${sql.table(b.table)} add constraint ${sql.id(b.name)} check (${sql.raw(b.check(''))})`.execute(
            db,
          );
          continue;
        }
        // SQLite cannot add a constraint to a table; triggers refuse the same rows, with the same message shape.
        for (const [event, when] of [
          ['insert', 'before insert'],
          ['update', 'before update'],
        ] as const) {
          await sql
            .raw(
              `create trigger ${b.name}_${event} ${when} on ${b.table} when not (${b.check('new.')}) ` +
                `begin select raise(abort, 'CHECK constraint failed: ${b.name}'); end`,
            )
            .execute(db);
        }
      }
    },
  };
}
