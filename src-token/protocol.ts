// Messages between the main process and the token host. Requests carry an id;
// the host answers each once, and pushes status changes and signing progress.
import type { ErrorCode, ErrorParams } from '../src-shared/errors';
import type { KeyType, LibraryTest, TokenCertificate, TokenStatus } from '../src-shared/token';
import type { SubjectName } from './pkcs11-driver';

export interface HostConfig {
  /** From Settings; null means "look in the known places". */
  modulePath: string | null;
  /** Where file certificates live (used only when no PKCS#11 module is found). */
  fileCertDir: string;
  /** Look in the known install locations when no path is set (default true). */
  searchKnownPaths?: boolean;
  /** An SKF library from Settings, tried before the known SKF install paths. */
  skfLibrary?: string | null;
}

export interface HostOps {
  ping: { args: Record<string, never>; value: { pid: number } };
  configure: { args: HostConfig; value: TokenStatus };
  status: { args: Record<string, never>; value: TokenStatus };
  certificates: { args: { slotId?: string }; value: TokenCertificate[] };
  sign: {
    args: {
      slotId: string;
      keyId: string;
      /** '' signs with the token's held login (the PIN policy); a held login gone is TOKEN_NOT_LOGGED_IN. */
      pin: string;
      data: string[];
      mechanisms?: number[];
      /** Keep the token logged in this long after signing (the PIN policy, within the bank's maximum). */
      holdMs?: number;
    };
    value: { signatures: string[] };
  };
  provision: {
    args: {
      /** An initialised token to put the key on; null: initialise the first blank token with `init`. */
      slotId: string | null;
      init?: { label: string; soPin: string };
      userPin: string;
      keyType: KeyType;
      subject: SubjectName;
      /** The new key's label (SKF: its container's name); default the holder's name. A renewal's differs. */
      keyLabel?: string;
    };
    value: { slotId: string; keyId: string; csrPem: string };
  };
  /** Ends held logins: the slot's, or all (lock, logout, idle timeout). */
  release: { args: { slotId?: string }; value: { released: number } };
  testLibrary: { args: { path: string }; value: LibraryTest };
  changePin: { args: { slotId: string; oldPin: string; newPin: string }; value: { slotId: string } };
  writeCertificate: {
    args: { slotId: string; keyId: string; pin: string; certDer: string; label: string };
    value: { slotId: string };
  };
}

export type HostOp = keyof HostOps;

/** A request to a process or thread that owns a PKCS#11 session: answered once, by its id. */
export interface OpRequest<Ops extends { [K in keyof Ops]: { args: unknown } }, O extends keyof Ops = keyof Ops> {
  id: number;
  op: O;
  args: Ops[O]['args'];
}

export type OpReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: ErrorCode; params?: ErrorParams } };

export type HostRequest<O extends HostOp = HostOp> = OpRequest<HostOps, O>;

export type HostMessage =
  OpReply | { event: 'status'; status: TokenStatus } | { event: 'progress'; id: number; done: number; total: number };
