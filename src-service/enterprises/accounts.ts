// An enterprise's settlement accounts, first opened first: the account 交易明细查询
// shows by default, and the accounts whose transactions its users may read.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';

export async function settlementAccountIds(db: Kysely<Database>, enterpriseId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('accounts')
    .select('id')
    .where('enterprise_id', '=', enterpriseId)
    .where('kind', '=', 'settlement')
    .orderBy('id')
    .execute();
  return rows.map((a) => a.id);
}
