// `npm run service -- verify-audit`: the audit chains and the ledger, checked
// from the database alone. Any break makes the command exit non-zero.
import type { Kysely } from 'kysely';
import { verifyLedger } from '../ledger/verify';
import type { Database } from '../store/schema';
import { verifyAuditChain } from './verify-chains';

export interface AuditReport {
  auditRecords: number;
  journalEntries: number;
  accounts: number;
  breaks: string[];
}

export async function verifyAudit(db: Kysely<Database>): Promise<AuditReport> {
  const chain = await verifyAuditChain(db);
  const ledger = await verifyLedger(db);
  return {
    auditRecords: chain.records,
    journalEntries: ledger.entries,
    accounts: ledger.accounts,
    breaks: [...chain.breaks, ...ledger.breaks],
  };
}
