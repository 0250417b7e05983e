// A member and the one user that logs in for it: named as the member, with the
// member type's menus, and a first login that forces a password change.
import type { Transaction } from 'kysely';
import type { MemberType } from '../../src-shared/api/auth';
import { memberPermissions } from '../../src-shared/menu';
import type { Database } from '../store/schema';

export interface NewMember {
  memberType: MemberType;
  name: string;
  certType: string;
  certNo: string;
  phone: string;
  contactName?: string | null;
  address?: string | null;
  email?: string | null;
  loginName: string;
  passwordHash: string;
  at: string;
}

export async function insertMember(
  trx: Transaction<Database>,
  input: NewMember,
): Promise<{ memberId: number; userId: number }> {
  const member = await trx
    .insertInto('members')
    .values({
      member_type: input.memberType,
      name: input.name,
      cert_type: input.certType,
      cert_no: input.certNo,
      phone: input.phone,
      status: 'active',
      created_at: input.at,
      contact_name: input.contactName ?? null,
      address: input.address ?? null,
      email: input.email ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const user = await trx
    .insertInto('users')
    .values({
      login_name: input.loginName,
      display_name: input.name,
      role: 'member',
      system: 'member',
      enterprise_id: null,
      member_id: member.id,
      password_hash: input.passwordHash,
      must_change_password: 1,
      failed_attempts: 0,
      locked: 0,
      status: 'active',
      created_at: input.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('user_permissions')
    .values(memberPermissions(input.memberType).map((code) => ({ user_id: user.id, code })))
    .execute();
  return { memberId: member.id, userId: user.id };
}
