// The chaos run's judge: reads the ledger with its own SQL, apart from the load
// client and the service, and holds it against what the clients were told.
//   lost    — an acknowledged instruction that is not there, or an acknowledged
//             execution whose posting is not in the journal
//   doubled — an idempotency key with two instructions, or an instruction posted twice
// and, besides: no instruction half-executed (executed ⇔ posted; a withdrawal's hold
// posted, voided or pending as its state says), every entry balanced, every
// account equal to its lines, the trial balance zero; then the service's own
// verify-audit (audit chains and ledger).
import pg from 'pg';
import { verifyAudit } from '../../src-service/audit/verify';
import { openStore } from '../../src-service/store/db';
import type { Acknowledged } from './load';

export interface Verdict {
  lost: number;
  doubled: number;
  halfExecuted: number;
  ledgerBreaks: string[];
  auditBreaks: string[];
  instructions: number;
  postings: number;
  clearingPostings: number;
}

export async function check(url: string, password: string, acknowledged: Acknowledged): Promise<Verdict> {
  const client = new pg.Client({ connectionString: withPassword(url, password) });
  await client.connect();
  try {
    await client.query('begin transaction isolation level repeatable read read only');
    const keys = [...acknowledged.submitted.keys()];
    const byKey = await client.query<{ idempotency_key: string; n: string }>(
      'select idempotency_key, count(*) as n from instructions where idempotency_key = any($1) group by idempotency_key',
      [keys],
    );
    const found = new Map(byKey.rows.map((r) => [r.idempotency_key, Number(r.n)]));
    let lost = keys.filter((k) => !found.has(k)).length;
    let doubled = [...found.values()].filter((n) => n > 1).length;

    const executed = [...acknowledged.executed];
    // A posting names its instruction by serial (the serial is the maker's idempotency key too).
    const posted = await client.query<{ id: number; n: string }>(
      `select i.id, count(e.id) as n from instructions i
         left join journal_entries e on e.reference = 'instruction:' || i.serial
        where i.id = any($1) group by i.id`,
      [executed],
    );
    const postings = new Map(posted.rows.map((r) => [r.id, Number(r.n)]));
    lost += executed.filter((id) => !postings.get(id)).length;
    doubled += [...postings.values()].filter((n) => n > 1).length;

    // The market's clearing lines: each posts one entry named by its event key.
    const cleared = [...acknowledged.cleared];
    const lines = await client.query<{ reference: string; n: string }>(
      'select reference, count(*) as n from journal_entries where reference = any($1) group by reference',
      [cleared.map((k) => `event:${k}`)],
    );
    const lineCounts = new Map(lines.rows.map((r) => [r.reference, Number(r.n)]));
    lost += cleared.filter((k) => !lineCounts.has(`event:${k}`)).length;
    doubled += [...lineCounts.values()].filter((n) => n > 1).length;

    // Every instruction of money, acknowledged or not: executed exactly when posted once.
    const half = await client.query<{ id: number }>(
      `select i.id from instructions i
         left join (select reference, count(*) as n from journal_entries group by reference) e
           on e.reference = 'instruction:' || i.serial
         left join holds h on h.id = i.hold_id
        where i.kind in ('deposit', 'withdraw')
          and ((i.state = 'executed') <> (coalesce(e.n, 0) = 1)
               or (i.state <> 'executed' and coalesce(e.n, 0) > 0)
               or (i.kind = 'withdraw' and h.status <> case i.state when 'executed' then 'posted'
                                                                  when 'pending' then 'pending'
                                                                  else 'voided' end))`,
    );
    const ledgerBreaks: string[] = [];
    const unbalanced = await client.query(
      'select entry_id from journal_lines group by entry_id having sum(debit) <> sum(credit)',
    );
    for (const r of unbalanced.rows) ledgerBreaks.push(`entry ${r.entry_id} not balanced`);
    const accounts = await client.query<{ number: string; balance: string; lines: string }>(
      `select a.number, a.balance::text as balance, coalesce(sum(l.credit - l.debit), 0)::text as lines
         from accounts a left join journal_lines l on l.account_id = a.id
        where a.allow_negative = 0
        group by a.id, a.number, a.balance
       having a.balance <> coalesce(sum(l.credit - l.debit), 0)`,
    );
    for (const r of accounts.rows) ledgerBreaks.push(`account ${r.number}: balance ${r.balance}, lines ${r.lines}`);
    const trial = await client.query<{ t: string }>(
      'select coalesce(sum(credit - debit), 0)::text as t from journal_lines',
    );
    if (trial.rows[0].t !== '0') ledgerBreaks.push(`trial balance ${trial.rows[0].t}, not 0`);
    const counts = await client.query<{ i: string; e: string; c: string }>(
      `select (select count(*) from instructions where kind in ('deposit', 'withdraw')) as i,
              (select count(*) from journal_entries where reference like 'instruction:%') as e,
              (select count(*) from journal_entries where reference like 'event:%') as c`,
    );
    await client.query('commit');

    const store = openStore(url);
    let auditBreaks: string[];
    try {
      auditBreaks = (await verifyAudit(store.db)).breaks;
    } finally {
      await store.close();
    }
    return {
      lost,
      doubled,
      halfExecuted: half.rows.length,
      ledgerBreaks,
      auditBreaks,
      instructions: Number(counts.rows[0].i),
      postings: Number(counts.rows[0].e),
      clearingPostings: Number(counts.rows[0].c),
    };
  } finally {
    await client.end();
  }
}

/** pg lets the URL's fields override its options: the password goes into the URL, in memory. */
export function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

export function verdictLine(v: Verdict): string {
  return `lost ${v.lost}, doubled ${v.doubled}`;
}
