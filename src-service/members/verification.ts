// How a member's single-party operation is verified when it is submitted: a
// corporate member signs it with the USB-KEY, an individual member types the
// SMS code sent for it. One function decides, for every operation.
import type { MemberType } from '../../src-shared/api/auth';
import type { MemberProof, VerificationMethod } from '../../src-shared/api/members';
import { AppError } from '../../src-shared/errors';
import { signedPayload } from '../../src-shared/signing';
import type { UserRow } from '../auth/users';
import { issueChallenge, verifySigned } from '../certificates/signatures';
import type { ServiceContext } from '../context';
import { atomically } from '../store/tx';
import { sendOtp, verifyOtp } from './otp';
import type { SmsGateway } from './sms';

export type { MemberProof };

export interface MemberActor {
  user: UserRow;
  member: {
    id: number;
    member_type: MemberType;
    name: string;
    cert_no: string;
    phone: string;
    status: string;
  };
}

/** The fields a corporate member signs for an operation (and an individual's code is bound to). */
export interface OperationFields {
  operation: string;
  market: string;
  memberCode: string;
  account: string;
  amount: number;
  details: string;
}

export async function memberActor(ctx: ServiceContext, user: UserRow): Promise<MemberActor> {
  if (!user.member_id) throw new AppError('FORBIDDEN');
  const member = await ctx.db
    .selectFrom('members')
    .selectAll()
    .where('id', '=', user.member_id)
    .executeTakeFirstOrThrow();
  if (member.status !== 'active') throw new AppError('AUTH_USER_DISABLED');
  return { user, member };
}

export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}

export function purposeOf(operation: string): string {
  return `member:${operation}`;
}

/**
 * Starts verification: a corporate member gets a serial and a challenge to sign;
 * an individual gets an SMS code on the registered phone.
 */
export async function startVerification(
  ctx: ServiceContext,
  sms: SmsGateway,
  actor: MemberActor,
  fields: OperationFields,
  describe: (code: string) => string,
  /** Where the code goes when not the registered phone (a phone change: the new one). */
  codePhone?: string,
): Promise<
  | { method: 'usbkey'; serial: string; challenge: string; issuedAt: string; fields: Record<string, string | number> }
  | { method: 'otp'; codeId: string; expiresInSeconds: number; resendInSeconds: number; phone: string }
> {
  if (actor.member.member_type === 'corporate') {
    const { serial, challenge } = await atomically(ctx.db, async (trx) => {
      const reserved = await ctx.serials.next(trx, ctx.clock.today());
      return {
        serial: reserved,
        challenge: await issueChallenge({ ...ctx, db: trx }, actor.user.id, purposeOf(fields.operation), reserved),
      };
    });
    return {
      method: 'usbkey',
      serial,
      challenge,
      issuedAt: ctx.clock.nowIso(),
      fields: { serial, member: actor.member.cert_no, ...fields },
    };
  }
  const phone = codePhone ?? actor.member.phone;
  const sent = await sendOtp(ctx, sms, { phone, purpose: purposeOf(fields.operation), describe });
  return { method: 'otp', ...sent, phone: maskPhone(phone) };
}

/**
 * Verifies the proof. An SMS code is checked (and a wrong one counted) before
 * the operation's transaction, so a rolled-back operation cannot hand out
 * unlimited tries. Returns the serial the operation is recorded under.
 */
export async function verifyCode(
  ctx: ServiceContext,
  actor: MemberActor,
  operation: string,
  proof: MemberProof | undefined,
  codePhone?: string,
): Promise<void> {
  if (actor.member.member_type === 'corporate') return;
  if (!proof || !('otp' in proof)) throw new AppError('VERIFICATION_REQUIRED');
  await verifyOtp(ctx, {
    codeId: proof.otp.codeId,
    code: proof.otp.code,
    phone: codePhone ?? actor.member.phone,
    purpose: purposeOf(operation),
  });
}

/** Inside the operation's transaction: the USB-KEY signature (corporate) over exactly these fields. */
export async function verifySignature(
  ctx: ServiceContext,
  actor: MemberActor,
  fields: OperationFields,
  proof: MemberProof | undefined,
): Promise<{ serial: string | null; proof: string; by: VerificationMethod }> {
  if (actor.member.member_type !== 'corporate') {
    return {
      serial: null,
      proof: JSON.stringify({ otp: (proof as { otp: { codeId: string } }).otp.codeId }),
      by: 'otp',
    };
  }
  if (!proof || !('usbkey' in proof)) throw new AppError('VERIFICATION_REQUIRED');
  const envelope = proof.usbkey;
  const challenge = await ctx.db
    .selectFrom('challenges')
    .select('reference')
    .where('id', '=', envelope.challenge)
    .executeTakeFirst();
  const serial = challenge?.reference ?? '';
  await verifySigned(ctx, {
    userId: actor.user.id,
    purpose: purposeOf(fields.operation),
    envelope,
    need: 'activated',
    payload: (env) => signedPayload('memberOperation', { serial, member: actor.member.cert_no, ...fields }, env),
  });
  return { serial, proof: JSON.stringify(envelope), by: 'usbkey' };
}
