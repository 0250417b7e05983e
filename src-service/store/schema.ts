// Table shapes as Kysely sees them. Booleans are 0/1 integers and instants are
// ISO-8601 UTC strings on both databases, so one code path serves SQLite and
// PostgreSQL; BIGINT money may arrive as a string from pg and is parsed with
// fenFromDb at the store boundary.
import type { ColumnType, Generated } from 'kysely';

type Bool = number; // 0 | 1
type Money = ColumnType<string | number, number, number | string>;

export interface SettingsTable {
  key: string;
  value: string;
}

export interface EnterprisesTable {
  id: Generated<number>;
  name: string;
  name_en: string;
  credit_code: string;
  admin_mode: 'single' | 'dual';
  created_at: string;
}

export interface MembersTable {
  id: Generated<number>;
  member_type: 'corporate' | 'individual';
  name: string;
  cert_type: string;
  cert_no: string;
  phone: string;
  status: 'active' | 'closed';
  created_at: string;
}

export interface UsersTable {
  id: Generated<number>;
  login_name: string;
  display_name: string;
  role: 'admin' | 'operator' | 'reviewer' | 'member';
  system: 'ebank' | 'member';
  enterprise_id: number | null;
  member_id: number | null;
  password_hash: string;
  must_change_password: Bool;
  failed_attempts: number;
  locked: Bool;
  status: 'active' | 'disabled' | 'closed';
  created_at: string;
  last_login_at: string | null;
}

export interface UserPermissionsTable {
  user_id: number;
  code: string;
}

export interface SessionsTable {
  token_hash: string;
  user_id: number;
  created_at: string;
  last_seen_at: string;
  ended_at: string | null;
  end_reason: string | null;
  stage: ColumnType<'certificate' | 'verified', 'certificate' | 'verified' | undefined, 'certificate' | 'verified'>;
}

export interface BankCaTable {
  id: number;
  certificate_pem: string;
  private_key_pem: string;
  created_at: string;
}

export type CertificateStatus = 'issued' | 'activated' | 'revoked';

export interface CertificatesTable {
  id: Generated<number>;
  serial: string;
  user_id: number;
  subject: string;
  key_type: 'rsa' | 'ec';
  media: 'token' | 'file';
  certificate_der: string;
  not_before: string;
  not_after: string;
  status: CertificateStatus;
  issued_at: string;
  activated_at: string | null;
  revoked_at: string | null;
  revoke_reason: string | null;
}

export interface ChallengesTable {
  id: string;
  user_id: number;
  purpose: string;
  created_at: string;
  used_at: string | null;
}

export interface CaptchasTable {
  id: string;
  answer_hash: string;
  expires_at: string;
}

export interface MarketsTable {
  id: Generated<number>;
  code: string;
  name: string;
  name_en: string;
  requires_trade_review: Bool;
  signed_in_date: string | null;
  summary_account_no: string;
  summary_account_name: string;
  summary_account_branch: string;
  created_at: string;
}

export type AccountKind = 'settlement' | 'member_detail' | 'suspense' | 'fee' | 'other_banks' | 'bank_funding';

export interface AccountsTable {
  id: Generated<number>;
  number: string;
  name: string;
  kind: AccountKind;
  market_id: number | null;
  enterprise_id: number | null;
  member_id: number | null;
  /** Posted balance: credits minus debits. */
  balance: Money;
  /** Sum of pending holds against it (two-phase debits awaiting post or void). */
  held: Money;
  /** Only the contra accounts (other banks, the bank's own funding) may go below zero. */
  allow_negative: Bool;
  status: ColumnType<'open' | 'closed', 'open' | 'closed' | undefined, 'open' | 'closed'>;
  opened_at: string;
}

export interface JournalEntriesTable {
  id: Generated<number>;
  serial: string;
  kind: string;
  business_date: string;
  created_at: string;
  memo: string;
}

export interface JournalLinesTable {
  id: Generated<number>;
  entry_id: number;
  account_id: number;
  debit: Money;
  credit: Money;
}

export interface Database {
  settings: SettingsTable;
  enterprises: EnterprisesTable;
  members: MembersTable;
  users: UsersTable;
  user_permissions: UserPermissionsTable;
  sessions: SessionsTable;
  captchas: CaptchasTable;
  bank_ca: BankCaTable;
  certificates: CertificatesTable;
  challenges: ChallengesTable;
  markets: MarketsTable;
  accounts: AccountsTable;
  journal_entries: JournalEntriesTable;
  journal_lines: JournalLinesTable;
}
