import { z } from 'zod';
import { ERROR_MESSAGES, type ErrorCode } from '../errors';

export const OkReply = z.object({ ok: z.literal(true) });
export type OkReply = z.infer<typeof OkReply>;

/** An error's params: numbers, plain strings, or a name in both languages (see Named). */
export const ErrorParamsSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.strictObject({ 'zh-CN': z.string(), en: z.string() })]),
);

export const FieldIssueSchema = z.object({ field: z.string(), rule: z.string(), message: z.string() });

const errorCodes = Object.keys(ERROR_MESSAGES) as [ErrorCode, ...ErrorCode[]];

/** Every non-2xx reply of the service has this body. */
export const ErrorReply = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    params: ErrorParamsSchema.optional(),
    fields: z.array(FieldIssueSchema).optional(),
  }),
});
export type ErrorReply = z.infer<typeof ErrorReply>;

export const HealthReply = z.object({
  status: z.literal('ok'),
  database: z.enum(['sqlite', 'postgres']),
  version: z.string(),
  demo: z.boolean(),
  testMode: z.boolean(),
  now: z.string(),
});
export type HealthReply = z.infer<typeof HealthReply>;

export const LivenessReply = z.object({ status: z.literal('alive') });

/** Readiness, for a load balancer: 200 'ready' only when the instance may be sent requests. */
export const ReadinessReply = z.object({ status: z.enum(['ready', 'starting', 'draining', 'database']) });

/** A date as the service and the forms exchange it. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'RULE_FORMAT' });

/** The fields of a record's canonical bytes, in signing order. */
export const SignedFields = z.record(z.string(), z.union([z.string(), z.number()]));

/** What the service hands out to be signed: the fields it read, and a challenge with its time. */
export const ChallengeToSign = z.object({ challenge: z.string(), issuedAt: z.string(), fields: SignedFields });
export type ChallengeToSign = z.infer<typeof ChallengeToSign>;
