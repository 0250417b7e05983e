// Table shapes as Kysely sees them. Booleans are 0/1 integers and instants are
// ISO-8601 UTC strings on both databases, so one code path serves SQLite and
// PostgreSQL; BIGINT money may arrive as a string from pg and is parsed with
// balanceFromDb (or, for a sum, sumFromDb) at the store boundary.
//
// A closed set is defined once — in src-shared when it crosses the wire, else in
// the service (here, or in the module it is about) — and is the column's type
// here. Where a migration CHECKs the column, tests/unit/store-enums.test.ts keeps
// the CHECK list equal to it.
import type { ColumnType, Generated } from 'kysely';
import type { AdminMode, MemberType, Role, SystemKind } from '../../src-shared/api/auth';
import type { CertificateMedia, CertificateStatus } from '../../src-shared/api/certificates';
import type {
  CardPurpose,
  SuspenseReason,
  SuspenseStatus,
  TradeStatus,
  VerificationMethod,
} from '../../src-shared/api/members';
import type { RegistrationStatus } from '../../src-shared/api/registration';
import type { AccountKind, ContractStatus, InstructionKind, InstructionState } from '../../src-shared/api/settlement';
import type { KeyType } from '../../src-shared/token';
import type { KeyStoreKind } from '../bank-keys/key-store';
import type { MarketKeyAlgorithm } from '../../src-shared/market-signature';

// Domain modules may take a column's closed set from here, beside its table.
export type { AccountKind, CertificateStatus, InstructionKind, InstructionState, SuspenseReason };

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
  admin_mode: AdminMode;
  created_at: string;
}

export interface MembersTable {
  id: Generated<number>;
  member_type: MemberType;
  name: string;
  cert_type: string;
  cert_no: string;
  phone: string;
  status: 'active' | 'closed';
  created_at: string;
  transfer_out_card_id: ColumnType<number | null, number | null | undefined, number | null>;
  contact_name: ColumnType<string | null, string | null | undefined, string | null>;
  address: ColumnType<string | null, string | null | undefined, string | null>;
  email: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UsersTable {
  id: Generated<number>;
  login_name: string;
  display_name: string;
  role: Role;
  system: SystemKind;
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
  stage: ColumnType<
    'certificate' | 'otp' | 'verified',
    'certificate' | 'otp' | 'verified' | undefined,
    'certificate' | 'otp' | 'verified'
  >;
}

/** What each of the bank's keys signs: certificates (the CA), or receipts and documents. */
export const BANK_KEY_PURPOSES = ['ca', 'document'] as const;

/** The bank's keys: where each is (never the key itself) and its certificate. */
export interface BankKeysTable {
  purpose: (typeof BANK_KEY_PURPOSES)[number];
  store: KeyStoreKind;
  /** The key's CKA_ID on the HSM, or the demo key file's id. */
  key_ref: string;
  certificate_pem: string;
  created_at: string;
}

/** Where an SM2 key of the bank lives: an SM2 HSM over SKF, or the demo's software SKF device. */
export const SM2_KEY_STORE_KINDS = ['skf', 'demo-skf'] as const;

/** The bank's SM2 CA: where its key is (never the key) and its self-signed certificate. */
export interface BankSm2KeysTable {
  purpose: 'sm2-ca';
  store: (typeof SM2_KEY_STORE_KINDS)[number];
  /** The SKF container that holds the key. */
  key_ref: string;
  certificate_pem: string;
  created_at: string;
}

/** CA certificates whose keys are gone or compromised: kept only to verify what they issued. */
export interface RetiredCaCertificatesTable {
  id: Generated<number>;
  certificate_pem: string;
  reason: string;
  retired_at: string;
}

export interface CertificatesTable {
  id: Generated<number>;
  serial: string;
  user_id: number;
  subject: string;
  key_type: KeyType;
  media: CertificateMedia;
  certificate_der: string;
  not_before: string;
  not_after: string;
  status: CertificateStatus;
  issued_at: string;
  activated_at: string | null;
  revoked_at: string | null;
  revoke_reason: string | null;
  /** The certificate this one renews (证书更新); revoked once this one is signed off. */
  renewal_of: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ChallengesTable {
  id: string;
  user_id: number;
  purpose: string;
  created_at: string;
  used_at: string | null;
  /** What the challenge was made for: the serial reserved for an instruction. */
  reference: ColumnType<string | null, string | null | undefined, string | null>;
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
  /** Simulator: how many of the next deposits the market refuses. */
  /** Simulator: signs in by itself each business day. */
  auto_sign_in: Generated<Bool>;
  /** Where the market's system receives its notices (https); set by bank staff only. */
  notice_url: string | null;
  /** Where the market answers whether it accepts a transfer from another bank (https); bank staff only. */
  acceptance_url: string | null;
}

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
  /**
   * The contra accounts (other banks, the bank's own funding): the only ones that
   * may go below zero, and they keep no row balance (0 here): their figure is the
   * exact sum of their journal lines, unbounded (see ledger/post.ts).
   */
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
  /** What it posts for: "instruction:12", "trade:3", "suspense:7", "event:9". */
  reference: string | null;
}

export interface SerialCountersTable {
  day: string;
  last: number;
}

/** What a hold waits for: a withdrawal's review, a market's freeze, a B2B trade's review. */
export const HOLD_KINDS = ['withdraw', 'freeze', 'trade'] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];
/** Two-phase: pending until posted (it becomes a debit) or voided. */
export const HOLD_STATUSES = ['pending', 'posted', 'voided'] as const;

export interface HoldsTable {
  id: Generated<number>;
  account_id: number;
  amount: Money;
  kind: HoldKind;
  status: (typeof HOLD_STATUSES)[number];
  reference: string;
  created_at: string;
  resolved_at: string | null;
}

export interface MarketMembersTable {
  id: Generated<number>;
  market_id: number;
  member_code: string;
  cert_no: string;
  name: string;
  virtual_account_no: string;
  seat_no: string;
  open_positions: Generated<number>;
  unfinished_trades: Generated<number>;
  dispute_open: Generated<Bool>;
  dispute_evidence: Generated<Bool>;
  created_at: string;
}

export interface CardsTable {
  id: Generated<number>;
  member_id: number;
  card_no: string;
  holder_name: string;
  bank_name: string;
  branch_name: string;
  phone: string;
  purpose: CardPurpose;
  authenticated_at: string;
  /** pending: authenticated, waiting for the operation that binds it. */
  status: Generated<'active' | 'replaced' | 'pending'>;
  bank_code: ColumnType<string | null, string | null | undefined, string | null>;
  bank_name_en: ColumnType<string | null, string | null | undefined, string | null>;
  branch_name_en: ColumnType<string | null, string | null | undefined, string | null>;
  branch_code: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RegistrationsTable {
  id: Generated<number>;
  serial: string;
  member_type: MemberType;
  name: string;
  cert_type: string;
  cert_no: string;
  contact_name: string | null;
  phone: string;
  address: string | null;
  email: string | null;
  market_id: number | null;
  archive: Buffer | null;
  archive_name: string | null;
  archive_format: string | null;
  archive_size: number | null;
  status: RegistrationStatus;
  reject_reason: string | null;
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
  member_id: number | null;
}

/** A limit's slots in use: attempts of a subject in a period, or (period '') the time of the last turn. */
export interface LimitCountersTable {
  scope: string;
  subject: string;
  period: string;
  used: number;
  updated_at: string;
}

export type AttemptKind = 'password' | 'otp' | 'card-auth';

export interface AuthAttemptsTable {
  id: Generated<number>;
  kind: AttemptKind;
  subject: string;
  outcome: 'right' | 'wrong';
  at: string;
}

export interface ContractsTable {
  id: Generated<number>;
  market_id: number;
  member_code: string;
  enterprise_id: number | null;
  member_id: number | null;
  detail_account_id: number;
  bound_account_id: number | null;
  bound_card_id: number | null;
  virtual_account_no: string;
  seat_no: string;
  status: ContractStatus;
  signed_at: string;
  cancelled_at: string | null;
  /** The business day money last moved in or out (a contract cannot be cancelled that day). */
  last_money_date: string | null;
}

export interface InstructionsTable {
  id: Generated<number>;
  serial: string;
  enterprise_id: number;
  kind: InstructionKind;
  state: InstructionState;
  business_date: string;
  market_id: number | null;
  contract_id: number | null;
  amount: ColumnType<string | number | null, number | null, number | null>;
  hold_id: number | null;
  payload: string;
  maker_id: number;
  maker_signature: string;
  checker_id: number | null;
  checker_signature: string | null;
  reject_reason: string | null;
  failure_code: string | null;
  idempotency_key: string;
  body_hash: string;
  journal_entry_id: number | null;
  created_at: string;
  decided_at: string | null;
}

export interface InstructionEventsTable {
  id: Generated<number>;
  instruction_id: number;
  from_state: InstructionState | null;
  to_state: InstructionState;
  actor_id: number | null;
  at: string;
  signature: string | null;
  note: string | null;
}

export interface MarketEventsTable {
  id: Generated<number>;
  market_id: number | null;
  kind: string;
  idempotency_key: string;
  body_hash: string;
  result: string;
  created_at: string;
}

export const MARKET_KEY_STATUSES = ['active', 'revoked'] as const;

/** A market's registered public key for signing its API requests (markets/keys.ts). */
export interface MarketKeysTable {
  id: Generated<number>;
  key_id: string;
  market_id: number;
  algorithm: MarketKeyAlgorithm;
  /** SPKI PEM. */
  public_key: string;
  status: (typeof MARKET_KEY_STATUSES)[number];
  created_at: string;
  revoked_at: string | null;
}

/** A nonce a market's signed request used, kept for twice the signature window (markets/request-auth.ts). */
export interface MarketNoncesTable {
  market_id: number;
  nonce: string;
  seen_at: string;
}

/** The outbox of notices to the markets (markets/notices.ts). */
export interface MarketNoticesTable {
  id: Generated<number>;
  market_id: number;
  member_code: string;
  kind: string;
  payload: string;
  created_at: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  delivered_at: string | null;
  last_error: string | null;
}

/** A market's reconciliation file of a business day (markets/reconciliation-file.ts). */
export interface ReconciliationFilesTable {
  id: Generated<number>;
  market_id: number;
  business_date: string;
  file_name: string;
  content: string;
  /** The manifest's JSON, exactly the bytes the document key signed. */
  manifest: string;
  /** Base64 of the signature and of the document certificate (DER). */
  signature: string;
  certificate: string;
  created_at: string;
}

/** A receipt the bank signed (receipts/issue.ts): its subject once, its code by hash. */
export interface ReceiptsTable {
  id: Generated<number>;
  /** 'instruction:12:executed' (id, state), 'transaction:34:<account number>', 'memberOperation:<serial>'. */
  subject: string;
  /** SHA-256 (hex) of the verification code in its printed form. */
  code_hash: string;
  /** The issued ReceiptDocument's JSON, with its seed. */
  document: string;
  issued_at: string;
}

export interface B2bTradesTable {
  id: Generated<number>;
  serial: string;
  market_id: number;
  payer_contract_id: number;
  payee_contract_id: number;
  amount: Money;
  fee: Money;
  hold_id: number;
  status: TradeStatus;
  trade_date: string;
  description: string;
  created_at: string;
  reviewed_at: string | null;
  journal_entry_id: number | null;
}

export interface SuspenseRecordsTable {
  id: Generated<number>;
  serial: string;
  market_id: number;
  amount: Money;
  payer_card_no: string;
  payer_name: string;
  reason: SuspenseReason;
  member_id: number | null;
  contract_id: number | null;
  status: SuspenseStatus;
  business_date: string;
  created_at: string;
  resolved_at: string | null;
  resolved_entry_id: number | null;
}

export interface MemberOperationsTable {
  id: Generated<number>;
  serial: string;
  member_id: number;
  user_id: number;
  kind: string;
  verified_by: VerificationMethod;
  proof: string;
  payload: string;
  created_at: string;
}

export interface OtpCodesTable {
  id: string;
  phone: string;
  purpose: string;
  code_hash: string;
  created_at: string;
  expires_at: string;
  tries: Generated<number>;
  used_at: string | null;
}

export interface SmsOutboxTable {
  id: Generated<number>;
  phone: string;
  text: string;
  created_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entity_id: string;
  details: string;
  prev_hash: string;
  hash: string;
  /** The chain the record belongs to: an audit_head id. */
  chain: number;
  /** The record's position in its chain, from 1; its hash covers it. */
  seq: number;
}

/** A chain's end: audit_head.id is the chain's number. */
export interface AuditHeadTable {
  id: number;
  last_seq: number;
  last_hash: string;
}

export interface JournalLinesTable {
  id: Generated<number>;
  entry_id: number;
  account_id: number;
  debit: Money;
  credit: Money;
  balance_after: ColumnType<string | number | null, number | null | undefined, never>;
  business_date: ColumnType<string | null, string | null | undefined, never>;
  kind: ColumnType<string | null, string | null | undefined, never>;
}

/** Bumped by triggers on every change of what instances cache (migration 010). */
export interface CacheVersionsTable {
  name: 'access';
  version: ColumnType<number | string, number | undefined, number>;
}

export interface Database {
  settings: SettingsTable;
  enterprises: EnterprisesTable;
  members: MembersTable;
  registrations: RegistrationsTable;
  limit_counters: LimitCountersTable;
  auth_attempts: AuthAttemptsTable;
  users: UsersTable;
  user_permissions: UserPermissionsTable;
  sessions: SessionsTable;
  captchas: CaptchasTable;
  bank_keys: BankKeysTable;
  bank_sm2_keys: BankSm2KeysTable;
  retired_ca_certificates: RetiredCaCertificatesTable;
  certificates: CertificatesTable;
  challenges: ChallengesTable;
  markets: MarketsTable;
  accounts: AccountsTable;
  journal_entries: JournalEntriesTable;
  journal_lines: JournalLinesTable;
  serial_counters: SerialCountersTable;
  holds: HoldsTable;
  market_members: MarketMembersTable;
  cards: CardsTable;
  contracts: ContractsTable;
  instructions: InstructionsTable;
  instruction_events: InstructionEventsTable;
  market_events: MarketEventsTable;
  market_keys: MarketKeysTable;
  market_nonces: MarketNoncesTable;
  market_notices: MarketNoticesTable;
  reconciliation_files: ReconciliationFilesTable;
  receipts: ReceiptsTable;
  b2b_trades: B2bTradesTable;
  suspense_records: SuspenseRecordsTable;
  member_operations: MemberOperationsTable;
  otp_codes: OtpCodesTable;
  sms_outbox: SmsOutboxTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  cache_versions: CacheVersionsTable;
}
