// The SMS gateway. No machine here can send a text message, so the gateway is
// an interface; its simulator writes each message to an outbox table, which the
// demo's "SMS inbox" panel and the tests read. A real gateway replaces it.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';

export interface SmsGateway {
  send(phone: string, text: string): Promise<void>;
}

/** SIMULATOR: messages go to the sms_outbox table instead of a phone. */
export function outboxSmsSimulator(db: Kysely<Database>, now: () => string): SmsGateway {
  return {
    async send(phone, text) {
      await db.insertInto('sms_outbox').values({ phone, text, created_at: now() }).execute();
    },
  };
}
