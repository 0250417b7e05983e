// 操作员维护: an administrator changes which menus an operator or reviewer may
// open. In dual-admin mode the other administrator reviews it; in single-admin
// mode it takes effect at once. Only assignable permissions move: an
// administrator is nobody's to change, and what is not assignable stays.
import { AppError } from '../../../src-shared/errors';
import { ASSIGNABLE_PERMISSIONS, inManualOrder, type Permission } from '../../../src-shared/menu';
import type { InstructionKindSpec } from './spec';

const assignable = (codes: readonly string[]) => codes.filter((c) => ASSIGNABLE_PERMISSIONS.includes(c as Permission));

export const menu: InstructionKindSpec<'menu'> = {
  maker: 'ebank.admin.operators',
  checker: 'ebank.admin.review',
  needsReview: (enterprise) => enterprise.admin_mode === 'dual',
  async derive(db, _ctx, enterprise, draft) {
    const target = await db.selectFrom('users').selectAll().where('id', '=', draft.targetUserId).executeTakeFirst();
    if (!target || target.enterprise_id !== enterprise.id) throw new AppError('USER_NOT_IN_ENTERPRISE');
    if (target.role === 'admin') throw new AppError('PERMISSION_NOT_ASSIGNABLE', { code: 'admin' });
    for (const code of draft.permissions) {
      if (!ASSIGNABLE_PERMISSIONS.includes(code as Permission))
        throw new AppError('PERMISSION_NOT_ASSIGNABLE', { code });
    }
    const current = (
      await db.selectFrom('user_permissions').select('code').where('user_id', '=', target.id).execute()
    ).map((r) => r.code);
    // The manual's order: the signed list reads as the tree and the manual list them, whatever order they were ticked in.
    const wanted = inManualOrder(draft.permissions);
    const before = inManualOrder(assignable(current));
    return {
      fields: { enterprise: enterprise.credit_code, targetUser: target.login_name, permissions: wanted.join(',') },
      marketId: null,
      contractId: null,
      amount: null,
      memberCode: null,
      refusals: wanted.join(',') === before.join(',') ? [{ code: 'MENU_UNCHANGED' }] : [],
      before,
    };
  },
  async execute(trx, _ctx, _instruction, draft) {
    await trx
      .deleteFrom('user_permissions')
      .where('user_id', '=', draft.targetUserId)
      .where('code', 'in', [...ASSIGNABLE_PERMISSIONS])
      .execute();
    const wanted = [...new Set(draft.permissions)];
    if (wanted.length > 0) {
      await trx
        .insertInto('user_permissions')
        .values(wanted.map((code) => ({ user_id: draft.targetUserId, code })))
        .execute();
    }
    return null;
  },
  async menuChange(db, { draft, before }) {
    const target = await db
      .selectFrom('users')
      .select(['id', 'login_name', 'display_name'])
      .where('id', '=', draft.targetUserId)
      .executeTakeFirst();
    const had = new Set(before ?? []);
    const after = new Set(draft.permissions);
    return {
      target: { id: draft.targetUserId, loginName: target?.login_name ?? '', displayName: target?.display_name ?? '' },
      added: inManualOrder([...after].filter((p) => !had.has(p))),
      removed: inManualOrder([...had].filter((p) => !after.has(p))),
    };
  },
};
