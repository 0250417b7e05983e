// Whether a market refuses a transfer is its own system's answer to the
// acceptance question (markets/acceptance.ts); the simulator keeps its
// "refuse the next ones" knob itself. A corporate deposit has no acceptance
// step in the manual, so nothing of the bank's counts refusals any more.
import type { Kysely, Migration } from 'kysely';

export function refusalKnobToMarket(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('markets').dropColumn('refuse_next_deposits').execute();
    },
  };
}
