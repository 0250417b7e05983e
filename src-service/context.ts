// The service's parts, made once at start and handed to every domain's routes.
import type { Kysely } from 'kysely';
import { Captchas } from './auth/captcha';
import { Sessions } from './auth/sessions';
import { BankKeys } from './bank-keys/bank-keys';
import { dataDirFor, type HsmSettings } from './bank-keys/settings';
import { Clock } from './clock';
import { AccessCache } from './auth/access-cache';
import { SerialNumbers } from './ledger/serials';
import type { Store } from './store/db';
import type { Database } from './store/schema';
import { demoBranchRegister, type BranchRegister } from './banks/register';
import { DEMO_CARD_RECORDS } from './demo/cards';
import { cardAuthSimulator, type CardAuthenticator } from './members/card-auth';
import { outboxSmsSimulator, type SmsGateway } from './members/sms';

export interface ServiceOptions {
  /** Demo data and the demo clock. */
  demo: boolean;
  /** NODE_ENV=test: test hooks (captcha answers, clock) exist. Never in a production build. */
  testMode: boolean;
  version: string;
  /** The bank back office's key for /bank routes (reconciliation, custody, the register); none: closed. */
  bankKey?: string;
  /** Requests a market may make to the market API per minute (default MARKET_REQUESTS_PER_MINUTE). */
  marketRequestsPerMinute?: number;
  /** CA certificates (PEM) the markets' servers are checked against, besides the system's. */
  marketCa?: string;
  /**
   * The longest a desktop may keep a USB-KEY logged in between signatures (its PIN policy), in
   * minutes; 0: the PIN at every signature. Default PIN_HOLD_MAX_MINUTES.
   */
  pinHoldMaxMinutes?: number;
  /** How long a market has to answer whether it accepts a transfer (default ACCEPTANCE_TIMEOUT_MS). */
  acceptanceTimeoutMs?: number;
  /**
   * The load balancers' addresses (IPs or CIDRs) whose X-Forwarded-For is believed: a
   * client's address (the public receipt lookup's limit counts by it) is then the one
   * the proxy saw, not the proxy's own. None: the peer's address.
   */
  trustedProxies?: string[];
  /**
   * Where the bank's CA and document keys are. Default: the HSM of the
   * environment's SETTLEKEY_HSM_* settings; a demo start may fall back to keys
   * of its own in the data folder; a bank tool ('as-recorded') uses the keys the
   * service recorded in its database.
   */
  keys?: {
    hsm?: HsmSettings | null;
    dataDir?: string;
    demo?: boolean | 'as-recorded';
    demoStore?: 'demo-hsm' | 'demo-file';
  };
}

/**
 * Where a started service is in its life, for the load balancer's readiness check:
 * 'starting' until it listens with its keys open, 'draining' from a stop on.
 */
export interface Lifecycle {
  phase: 'starting' | 'ready' | 'draining';
}

export interface ServiceContext {
  /** Read by /health/ready; set by startService. */
  lifecycle: Lifecycle;
  store: Store;
  db: Kysely<Database>;
  clock: Clock;
  captchas: Captchas;
  sessions: Sessions;
  /** SIMULATOR of the SMS gateway (outbox table); a real gateway replaces it. */
  sms: SmsGateway;
  /** SIMULATOR of bank-card authentication (银联鉴权); a card network replaces it. */
  cardAuth: CardAuthenticator;
  /** Banks and branches: a demo data set behind the interface a national register would fill. */
  branches: BranchRegister;
  /** The bank's CA key and document-signing key (in the HSM; opened at the first use, or at start). */
  bankKeys: BankKeys;
  /** Certificates, permissions and enterprises, used under the version read in the request. */
  access: AccessCache;
  /** 流水号: blocks reserved per instance on PostgreSQL (ledger/serials.ts). */
  serials: SerialNumbers;
  options: ServiceOptions;
}

export function createContext(store: Store, options: ServiceOptions, clock?: Clock): ServiceContext {
  // Only the demo's clock can be moved; a production service keeps the machine's time.
  const theClock = clock ?? new Clock(options.demo);
  const access = new AccessCache();
  return {
    lifecycle: { phase: 'starting' },
    store,
    db: store.db,
    clock: theClock,
    captchas: new Captchas(store.db, theClock, options.testMode),
    sessions: new Sessions(store.db, theClock, access),
    access,
    sms: outboxSmsSimulator(store.db, () => theClock.nowIso()),
    cardAuth: cardAuthSimulator(DEMO_CARD_RECORDS),
    branches: demoBranchRegister(),
    bankKeys: new BankKeys(store.db, theClock, {
      hsm: options.keys?.hsm,
      dataDir: options.keys?.dataDir ?? dataDirFor(store.file),
      demo: options.keys?.demo ?? options.demo,
      demoStore: options.keys?.demoStore,
    }),
    serials: new SerialNumbers(store),
    options,
  };
}

/** True only when the process runs tests; the production bundle replaces the check with false. */
export function isTestMode(): boolean {
  return process.env.NODE_ENV === 'test';
}
