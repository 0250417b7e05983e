// The bank counter's back-office commands. They act on the service's database
// directly (the counter is inside the bank), each in one transaction.
import type { Kysely } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { findUserByLoginName, unlockUser } from '../auth/users';
import type { Database } from '../store/schema';

export async function counterUnlockUser(db: Kysely<Database>, loginName: string): Promise<string> {
  const user = await findUserByLoginName(db, loginName);
  if (!user) throw new AppError('USER_NOT_FOUND', { loginName });
  if (user.locked !== 1) return `${loginName} is not locked (failed attempts: ${user.failed_attempts})`;
  await unlockUser(db, user.id);
  return `${loginName} unlocked; the failed-password count is back to 0`;
}
