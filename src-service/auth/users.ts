// Store queries about users and what they may see.
import type { Kysely, Selectable } from 'kysely';
import type { Profile } from '../../src-shared/api/auth';
import { inManualOrder, isPermission, type Permission } from '../../src-shared/menu';
import type { Database, UsersTable } from '../store/schema';

export type UserRow = Selectable<UsersTable>;

export function findUserByLoginName(db: Kysely<Database>, loginName: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('login_name', '=', loginName).executeTakeFirst();
}

export function findUserById(db: Kysely<Database>, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function permissionsOf(db: Kysely<Database>, userId: number): Promise<Set<Permission>> {
  const rows = await db.selectFrom('user_permissions').select('code').where('user_id', '=', userId).execute();
  return new Set(rows.map((r) => r.code).filter(isPermission));
}

export async function buildProfile(
  db: Kysely<Database>,
  user: UserRow,
  permissions: ReadonlySet<Permission>,
  lastLoginAt: string | null = user.last_login_at,
): Promise<Profile> {
  const enterprise = user.enterprise_id
    ? await db
        .selectFrom('enterprises')
        .select(['id', 'name', 'name_en', 'admin_mode'])
        .where('id', '=', user.enterprise_id)
        .executeTakeFirstOrThrow()
    : null;
  const member = user.member_id
    ? await db
        .selectFrom('members')
        .select(['id', 'name', 'member_type'])
        .where('id', '=', user.member_id)
        .executeTakeFirstOrThrow()
    : null;
  return {
    userId: user.id,
    loginName: user.login_name,
    displayName: user.display_name,
    role: user.role,
    system: user.system,
    enterprise: enterprise
      ? { id: enterprise.id, name: enterprise.name, nameEn: enterprise.name_en, adminMode: enterprise.admin_mode }
      : null,
    member: member ? { id: member.id, name: member.name, memberType: member.member_type } : null,
    permissions: inManualOrder(permissions),
    mustChangePassword: user.must_change_password === 1,
    lastLoginAt,
  };
}

export async function unlockUser(db: Kysely<Database>, userId: number): Promise<void> {
  await db.updateTable('users').set({ locked: 0, failed_attempts: 0 }).where('id', '=', userId).execute();
}
