// The one contract between the renderer and the main process. Electron's
// preload and the browser shell's bridge both expose exactly these methods;
// the main process validates every argument with the input schema.
import { z } from 'zod';
import { CaptchaReply, LoginRequest, SessionReply } from '../api/auth';
import { FieldIssueSchema, OkReply } from '../api/common';
import { CertificateTestReply, RenewalSignOffReply } from '../api/certificates';
import { DemoEventResult, DemoTrade } from '../api/demo';
import {
  MEMBER_OPERATIONS,
  MemberOperationInputs,
  OperationResult,
  PrepareReply,
  type MemberOperationName,
} from '../api/members';
import { OtpAnswer } from '../api/registration';
import {
  AdminOperation,
  AdminOperationResult,
  AccountTxnQuery,
  Instruction,
  InstructionDraft,
  InstructionSerial,
  InstructionListQuery,
  InstructionPreview,
  MarketSummary,
  MemberTxnQuery,
} from '../api/settlement';
import { ChangePin, LibraryTest, SignWith, TokenCertificate, TokenStatus } from '../token';
import { relayContract } from './relay-contract';
import { AppInfo, Settings, SettingsPatch } from './settings';

const PositiveId = z.number().int().positive();

/** What a list export reads: the same queries the pages show, every page of them. */
export const ExportSource = z.discriminatedUnion('kind', [
  /** The signed-in owner's member accounts: an enterprise's (会员账户) or a member's sub-ledgers (会员附属台帐). */
  z.strictObject({ kind: z.literal('memberAccounts') }),
  z.strictObject({
    kind: z.literal('memberTransactions'),
    contractId: PositiveId,
    query: MemberTxnQuery.omit({ page: true, pageSize: true }),
  }),
  z.strictObject({ kind: z.literal('transactions'), query: AccountTxnQuery.omit({ page: true, pageSize: true }) }),
  z.strictObject({ kind: z.literal('instructions'), query: InstructionListQuery.omit({ page: true, pageSize: true }) }),
]);
export type ExportSource = z.infer<typeof ExportSource>;

export const ExportRequest = z.strictObject({
  source: ExportSource,
  format: z.enum(['xlsx', 'csv']),
  /** A name for the file and the sheet, in the user's language. */
  title: z.string().trim().min(1).max(60),
  /**
   * Columns in order: the row field and its heading in the user's language;
   * `values` names a code column's codes (deposit → 入金) the same way.
   */
  columns: z
    .array(
      z.strictObject({
        key: z.string().max(40),
        label: z.string().max(60),
        values: z.record(z.string().max(40), z.string().max(60)).optional(),
      }),
    )
    .min(1)
    .max(30),
});
export type ExportRequest = z.infer<typeof ExportRequest>;

/** Electron saves where the user chose; the browser shell hands out a one-time download. */
export const SavedFile = z.union([
  z.object({ saved: z.string() }),
  z.object({ downloadUrl: z.string(), filename: z.string() }),
  z.object({ cancelled: z.literal(true) }),
]);
export type SavedFile = z.infer<typeof SavedFile>;

export const DecisionOutcome = z.object({
  id: PositiveId,
  ok: z.boolean(),
  instruction: Instruction.nullable(),
  error: z.object({ code: z.string(), message: z.string(), fields: z.array(FieldIssueSchema).optional() }).nullable(),
});
export type DecisionOutcome = z.infer<typeof DecisionOutcome>;

const none = z.undefined();

/** One member operation and its input, typed per operation. */
export const MemberOperationCall = z.discriminatedUnion(
  'operation',
  MEMBER_OPERATIONS.map((operation) =>
    z.strictObject({ operation: z.literal(operation), input: MemberOperationInputs[operation] }),
  ) as unknown as [
    z.ZodObject<{ operation: z.ZodLiteral<MemberOperationName>; input: z.ZodType }>,
    ...z.ZodObject<{ operation: z.ZodLiteral<MemberOperationName>; input: z.ZodType }>[],
  ],
);
export type MemberOperationCall = {
  [K in MemberOperationName]: { operation: K; input: z.input<(typeof MemberOperationInputs)[K]> };
}[MemberOperationName];

/**
 * The methods the main process adds something to: its own settings and state, the session
 * token it holds, signatures on the USB-KEY, files. Every other method is a plain relay of a
 * desktop route (relay-contract.ts).
 */
export const flowContract = {
  'app.info': { input: none, output: AppInfo },
  'settings.get': { input: none, output: Settings },
  'settings.update': { input: SettingsPatch, output: Settings },
  'auth.captcha': { input: none, output: CaptchaReply },
  'auth.login': { input: LoginRequest, output: SessionReply },
  'auth.session': { input: none, output: SessionReply.nullable() },
  'auth.keepAlive': { input: none, output: SessionReply },
  'auth.logout': { input: none, output: OkReply },
  /** The USB-KEY step of a corporate login: sign-off the first time, signed login after. */
  'auth.certificate': { input: z.strictObject({ sign: SignWith }), output: SessionReply },
  'token.status': { input: none, output: TokenStatus },
  'token.certificates': {
    input: z.strictObject({ slotId: z.string().max(300).optional() }).optional(),
    output: z.array(TokenCertificate),
  },
  /** 修改 USB-KEY 密码, on the token (a wrong old PIN counts down its tries). */
  'token.changePin': { input: ChangePin, output: z.object({ slotId: z.string() }) },
  /** 锁定 USB-KEY: the token host logs out every USB-KEY kept logged in under the PIN policy. */
  'token.lock': { input: none, output: OkReply },
  /** "My token is not found": load a library the user names and say what it is and sees. */
  'token.testLibrary': { input: z.strictObject({ path: z.string().trim().min(1).max(500) }), output: LibraryTest },
  /**
   * 证书更新: a new key on the token, certified on the old certificate's signature, written
   * back and signed off; the PIN is needed (a new key is made), even while the token is kept logged in.
   */
  'certificates.renew': {
    input: z.strictObject({ sign: SignWith.extend({ pin: z.string().min(4).max(64) }) }),
    output: RenewalSignOffReply,
  },
  /** 证书测试: sign a test statement and have the service verify it. */
  'certificates.test': { input: z.strictObject({ sign: SignWith }), output: CertificateTestReply },
  /** Unlock a user or reset a password: signed by the administrator, effective at once. */
  'ebank.userOperation': {
    input: z.strictObject({ userId: PositiveId, operation: AdminOperation, sign: SignWith }),
    output: AdminOperationResult,
  },

  // maker-checker
  /** serial: the one an earlier preview of this draft reserved (上一步 then 下一步 keeps it). */
  'instructions.preview': {
    input: z.strictObject({ draft: InstructionDraft, serial: InstructionSerial.optional() }),
    output: InstructionPreview,
  },
  /** Signs the previewed instruction (by its serial) and submits it. */
  'instructions.submit': {
    input: z.strictObject({ serial: InstructionSerial, sign: SignWith }),
    output: Instruction,
  },
  /** Approves or rejects one or several instructions with one PIN; each is signed on its own. */
  'instructions.decide': {
    input: z.strictObject({
      ids: z.array(PositiveId).min(1).max(50),
      decision: z.enum(['approve', 'reject']),
      reason: z.string().trim().max(200).optional(),
      sign: SignWith,
    }),
    output: z.object({ outcomes: z.array(DecisionOutcome) }),
  },

  // the member system's operations: an SMS code, or signed on the USB-KEY here
  /** An individual gets an SMS code; a corporate member, the fields it will sign. */
  'member.prepare': { input: MemberOperationCall, output: PrepareReply },
  /** Performs the prepared operation: with the SMS code, or signed on the USB-KEY in the main process. */
  'member.perform': {
    input: z.strictObject({ call: MemberOperationCall, otp: OtpAnswer.optional(), sign: SignWith.optional() }),
    output: OperationResult,
  },

  // demo only: a market's own acts, through the demo's market simulator and the market API
  /** The market signs in or out for today; the markets as the bank then sees them. */
  'demo.marketSignIn': {
    input: z.strictObject({ code: z.string().max(16), act: z.enum(['sign-in', 'sign-out']) }),
    output: z.array(MarketSummary),
  },
  /** The market reports a B2B trade awaiting the payer's review. */
  'demo.trade': { input: DemoTrade, output: DemoEventResult },

  // files and printing
  'export.table': { input: ExportRequest, output: SavedFile },
  /** Prints the page (a receipt): a PDF where the shell can make one, else the browser's print. */
  'print.page': {
    input: z.strictObject({ title: z.string().trim().min(1).max(60) }),
    output: z.union([SavedFile, z.object({ browserPrint: z.literal(true) })]),
  },
} as const;

export type FlowMethod = keyof typeof flowContract;

export const ipcContract = { ...relayContract, ...flowContract };

export type IpcContract = typeof ipcContract;
export type IpcMethod = keyof IpcContract;
export type IpcInput<M extends IpcMethod> = z.input<IpcContract[M]['input']>;
/** The argument as a handler receives it: parsed by the schema, defaults filled in. */
export type IpcParsed<M extends IpcMethod> = z.output<IpcContract[M]['input']>;
export type IpcOutput<M extends IpcMethod> = z.output<IpcContract[M]['output']>;

export const IPC_METHODS = Object.keys(ipcContract) as IpcMethod[];

export function isIpcMethod(value: unknown): value is IpcMethod {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ipcContract, value);
}

/** Events the main process pushes to the renderer. */
export const ipcEvents = {
  'session.ended': z.object({ reason: z.enum(['idle', 'logout', 'service']) }),
  /** Tokens inserted or removed, PIN state changed, or the host restarted. */
  'token.status': TokenStatus,
  /** Progress of a series of signatures. */
  'token.progress': z.object({ done: z.number().int(), total: z.number().int() }),
  /** A market's registration link opened while the client runs. */
  'app.deepLink': z.object({ page: z.literal('register'), market: z.string().optional() }),
} as const;
export type IpcEventName = keyof typeof ipcEvents;
export type IpcEventPayload<E extends IpcEventName> = z.infer<(typeof ipcEvents)[E]>;

/** What crosses the bridge: a value or a typed error, never a thrown Error (Electron drops its fields). */
export type IpcEnvelope<T> = { ok: true; value: T } | { ok: false; error: import('../errors').AppErrorShape };

/** The object the preload (Electron) or the bridge script (browser shell) puts on window. */
export type SettleKeyBridge = {
  [M in IpcMethod]: (arg: IpcInput<M>) => Promise<IpcEnvelope<IpcOutput<M>>>;
} & {
  on<E extends IpcEventName>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void;
};

export const IPC_CHANNEL = 'settlekey:invoke';
export const IPC_EVENT_CHANNEL = 'settlekey:event';
