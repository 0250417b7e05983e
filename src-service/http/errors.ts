// Every refusal leaves the service as { error: { code, message, fields? } } in the
// caller's language, with a status that says what kind of refusal it is. Nothing
// the client sends produces a 500: a 500 is a bug of ours, logged with its stack.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError, type ErrorCode } from '../../src-shared/errors';
import { validationError } from '../../src-shared/validation';
import { MAX_ARCHIVE_BYTES, megabytes } from '../registrations/archive';
import { bodySize } from './body-size';

const STATUS: Partial<Record<ErrorCode, number>> = {
  INTERNAL: 500,
  DATABASE_UNAVAILABLE: 503,
  VALIDATION: 400,
  NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  FORBIDDEN: 403,
  CERT_REISSUE_AT_COUNTER: 403,
  CONFLICT: 409,
  IDEMPOTENCY_MISMATCH: 409,
  REQUEST_KEY_UNKNOWN: 404,
  MARKET_RATE_LIMITED: 429,
  RECEIPT_CODE_INVALID: 400,
  RECEIPT_NOT_FOUND: 404,
  RECEIPT_LOOKUP_LIMITED: 429,
  RECONCILIATION_FILE_INVALID: 400,
  MARKET_SIGNATURE_MISSING: 401,
  MARKET_SIGNATURE_INVALID: 401,
  MARKET_BODY_CHANGED: 401,
  MARKET_KEY_UNKNOWN: 401,
  MARKET_KEY_REVOKED: 401,
  MARKET_SIGNATURE_STALE: 401,
  MARKET_REQUEST_REPLAYED: 401,
  MARKET_KEY_OTHER_MARKET: 403,
  MARKET_KEY_EXISTS: 409,
  AUTH_CAPTCHA_WRONG: 400,
  AUTH_CAPTCHA_EXPIRED: 400,
  AUTH_BAD_CREDENTIALS: 401,
  AUTH_BAD_PASSWORD: 401,
  AUTH_USER_LOCKED: 423,
  AUTH_USER_DISABLED: 403,
  AUTH_SESSION_REQUIRED: 401,
  AUTH_SESSION_EXPIRED: 401,
  AUTH_PASSWORD_CHANGE_REQUIRED: 403,
  AUTH_OLD_PASSWORD_WRONG: 400,
  AUTH_PASSWORD_REUSED: 400,
  AUTH_PASSWORD_MISMATCH: 400,
};

/** Business refusals that are not listed above are 422: understood, and refused by a rule. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 422;
}

/** Thrown by our zod validator so the handler can describe each issue in the caller's language. */
export class RequestValidationFailure extends Error {
  readonly statusCode = 400;
  constructor(readonly issues: readonly z.core.$ZodIssue[]) {
    super('request validation failed');
  }
}

export function validatorCompiler({ schema }: { schema: z.ZodType }) {
  return (data: unknown) => {
    const result = schema.safeParse(data, { reportInput: true });
    return result.success ? { value: result.data } : { error: new RequestValidationFailure(result.error.issues) };
  };
}

export function toAppError(error: unknown, request: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof RequestValidationFailure) return validationError(error.issues, request.lang);
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (status === 404) return new AppError('NOT_FOUND');
  if (status === 413) {
    // Only the registration takes a file: its oversize body is the archive's size rule, on its field.
    if (request.url.startsWith('/registrations/')) {
      // The archive travels base64-encoded: three bytes of file in four of body.
      const body = bodySize(request);
      const size = megabytes(Math.floor(body.bytes * 0.75));
      return new AppError(
        'ARCHIVE_TOO_LARGE',
        { max: megabytes(MAX_ARCHIVE_BYTES), size: body.complete ? size : `≥ ${size}` },
        [{ field: 'archive', rule: 'ARCHIVE_TOO_LARGE', message: '' }],
      );
    }
    return new AppError('VALIDATION', { detail: 'request body too large' });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own refusals: unparsable JSON, wrong content type, empty body.
    return new AppError('VALIDATION', { detail: fastifyError.message ?? 'bad request' });
  }
  if (databaseUnavailable(error)) return new AppError('DATABASE_UNAVAILABLE');
  return new AppError('INTERNAL');
}

/**
 * The database out of reach for a moment — PgBouncer restarting, the primary failing
 * over, a connection cut — rather than a fault of the request: 503, which a client
 * (and the load balancer's view of it) takes as "try again"; the transaction was rolled back.
 */
function databaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  // SQLSTATE 08 connection exceptions; 57P01–57P03 shutdown; 25006 a write that reached a standby.
  if (/^08|^57P0[123]$|^25006$/.test(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|not queryable|server conn crashed|server login has been failing|terminating connection|the database system is (shutting down|starting up|in recovery mode)/.test(
    message,
  );
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error, request);
  const status = statusOf(appError.code);
  if (status >= 500) {
    request.log.error({ err: error }, 'unhandled error');
    if (process.env.SETTLEKEY_DEBUG_500) console.error(error);
  }
  return reply.status(status).send({ error: appError.toShape(request.lang) });
}
