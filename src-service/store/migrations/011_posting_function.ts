// PostgreSQL: a posting's lines applied by one function call — its accounts
// locked in id order, each balance moved by the same conditional update as
// ledger/post.ts moveBalance (the same bounds, passed in), each line written —
// so the rows every posting of a contract waits on are held for one round trip
// and the commit, not for four (pgledger's design). A refused line undoes
// what the call did (the function's own exception block) and the call returns
// the refusal's code, null when every line was written: the caller's
// transaction stays usable, as after a refused conditional update.
// SQLite runs the same steps as statements.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';

export function postingFunction(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect !== 'postgres') return;
      await sql
        .raw(
          `create function sk_apply_lines(
             p_entry bigint[], p_account bigint[], p_debit bigint[], p_credit bigint[],
             p_date text[], p_kind text[], p_max bigint
           ) returns text language plpgsql as $$
           declare
             delta bigint;
             moved bigint;
             found_account record;
           begin
             perform 1 from accounts where id = any(p_account) and allow_negative = 0 order by id for update;
             begin
               for i in 1 .. coalesce(array_length(p_account, 1), 0) loop
                 delta := p_credit[i] - p_debit[i];
                 update accounts set balance = balance + delta
                   where id = p_account[i] and status = 'open' and allow_negative = 0
                     and case when delta < 0 then balance - held >= -delta else balance <= p_max - delta end
                   returning balance into moved;
                 if not found then
                   select allow_negative, status into found_account from accounts where id = p_account[i];
                   if not found then
                     raise exception 'account % does not exist', p_account[i];
                   end if;
                   if found_account.status <> 'open' then
                     raise exception using errcode = 'SK001', message = 'INSUFFICIENT_FUNDS';
                   end if;
                   if found_account.allow_negative <> 1 then
                     raise exception using errcode = 'SK001',
                       message = case when delta > 0 then 'BALANCE_OUT_OF_RANGE' else 'INSUFFICIENT_FUNDS' end;
                   end if;
                   moved := null;
                 end if;
                 insert into journal_lines (entry_id, account_id, debit, credit, balance_after, business_date, kind)
                   values (p_entry[i], p_account[i], p_debit[i], p_credit[i], moved, p_date[i], p_kind[i]);
               end loop;
             exception when sqlstate 'SK001' then
               return sqlerrm;
             end;
             return null;
           end $$`,
        )
        .execute(db);
    },
  };
}
