// 操作员维护: an administrator's view of the enterprise's users, and the two
// signed operations on them that take effect at once — unlock a user locked by
// wrong passwords, and reset a password to a new initial one.
import { signedPayload } from '../../src-shared/signing';
import type {
  AdminOperation,
  AdminOperationPreview,
  AdminOperationResult,
  EnterpriseUser,
} from '../../src-shared/api/settlement';
import { AppError } from '../../src-shared/errors';
import { inManualOrder } from '../../src-shared/menu';
import type { SignatureEnvelope } from '../../src-shared/signing';
import { appendAudit } from '../audit/log';
import { hashPassword, randomInitialPassword } from '../auth/passwords';
import { issueChallenge, verifySigned } from '../certificates/signatures';
import type { ServiceContext } from '../context';
import type { Actor } from '../instructions/service';
import { atomically } from '../store/tx';

function enterpriseIdOf(actor: Actor): number {
  if (!actor.user.enterprise_id || !actor.permissions.has('ebank.admin.operators')) throw new AppError('FORBIDDEN');
  return actor.user.enterprise_id;
}

export async function enterpriseUsers(ctx: ServiceContext, actor: Actor): Promise<EnterpriseUser[]> {
  const enterpriseId = enterpriseIdOf(actor);
  const users = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('enterprise_id', '=', enterpriseId)
    .orderBy('id')
    .execute();
  const perms = await ctx.db
    .selectFrom('user_permissions')
    .select(['user_id', 'code'])
    .where(
      'user_id',
      'in',
      users.map((u) => u.id),
    )
    .execute();
  const pending = await ctx.db
    .selectFrom('instructions')
    .select('payload')
    .where('enterprise_id', '=', enterpriseId)
    .where('kind', '=', 'menu')
    .where('state', '=', 'pending')
    .execute();
  const pendingTargets = new Set(
    pending.map((p) => (JSON.parse(p.payload) as { draft: { targetUserId: number } }).draft.targetUserId),
  );
  return users.map((u) => ({
    id: u.id,
    loginName: u.login_name,
    displayName: u.display_name,
    role: u.role,
    status: u.status,
    locked: u.locked === 1,
    failedAttempts: u.failed_attempts,
    permissions: inManualOrder(perms.filter((p) => p.user_id === u.id).map((p) => p.code)),
    lastLoginAt: u.last_login_at,
    menuChangePending: pendingTargets.has(u.id),
  }));
}

async function target(ctx: ServiceContext, enterpriseId: number, userId: number) {
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user || user.enterprise_id !== enterpriseId) throw new AppError('USER_NOT_IN_ENTERPRISE');
  return user;
}

async function fieldsOf(ctx: ServiceContext, enterpriseId: number, userId: number, operation: AdminOperation) {
  const enterprise = await ctx.db
    .selectFrom('enterprises')
    .select('credit_code')
    .where('id', '=', enterpriseId)
    .executeTakeFirstOrThrow();
  const user = await target(ctx, enterpriseId, userId);
  return { enterprise: enterprise.credit_code, targetUser: user.login_name, operation };
}

export async function previewAdminOperation(
  ctx: ServiceContext,
  actor: Actor,
  userId: number,
  operation: AdminOperation,
): Promise<AdminOperationPreview> {
  const enterpriseId = enterpriseIdOf(actor);
  const fields = await fieldsOf(ctx, enterpriseId, userId, operation);
  const { serial, challenge } = await atomically(ctx.db, async (trx) => {
    const reserved = await ctx.serials.next(trx, ctx.clock.today());
    return {
      serial: reserved,
      challenge: await issueChallenge({ ...ctx, db: trx }, actor.user.id, 'adminOperation', reserved),
    };
  });
  return { serial, challenge, issuedAt: ctx.clock.nowIso(), fields: { serial, ...fields } };
}

export async function performAdminOperation(
  ctx: ServiceContext,
  actor: Actor,
  userId: number,
  operation: AdminOperation,
  signature: SignatureEnvelope | undefined,
): Promise<AdminOperationResult> {
  const enterpriseId = enterpriseIdOf(actor);
  const fields = await fieldsOf(ctx, enterpriseId, userId, operation);
  const initialPassword = operation === 'resetPassword' ? randomInitialPassword() : null;
  const hash = initialPassword ? await hashPassword(initialPassword) : null;
  return atomically(ctx.db, async (trx) => {
    const tctx = { ...ctx, db: trx };
    const challenge = signature
      ? await trx.selectFrom('challenges').select('reference').where('id', '=', signature.challenge).executeTakeFirst()
      : undefined;
    const serial = challenge?.reference ?? '';
    await verifySigned(tctx, {
      userId: actor.user.id,
      purpose: 'adminOperation',
      envelope: signature,
      need: 'activated',
      payload: (env) => signedPayload('adminOperation', { serial, ...fields }, env),
    });
    if (operation === 'unlock') {
      await trx.updateTable('users').set({ locked: 0, failed_attempts: 0 }).where('id', '=', userId).execute();
    } else {
      await trx
        .updateTable('users')
        .set({ password_hash: hash!, must_change_password: 1, locked: 0, failed_attempts: 0 })
        .where('id', '=', userId)
        .execute();
      await trx
        .updateTable('sessions')
        .set({ ended_at: ctx.clock.nowIso(), end_reason: 'passwordReset' })
        .where('user_id', '=', userId)
        .where('ended_at', 'is', null)
        .execute();
    }
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: `user:${actor.user.login_name}`,
      action: `user.${operation}`,
      entity: 'user',
      entityId: userId,
      details: { serial, signed: signature!.certSerial },
    });
    return { serial, operation, initialPassword };
  });
}
