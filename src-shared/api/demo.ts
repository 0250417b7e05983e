// The demo's tools (never in a production service): the simulated SMS inbox and
// what a market's own system would do — sign in or out, receive a transfer
// from a member's card at another bank, post a B2B trade.
import { z } from 'zod';
import { AmountFen, FeeFen } from './settlement';

export const SmsMessage = z.object({
  id: z.number().int(),
  phone: z.string(),
  text: z.string(),
  createdAt: z.string(),
});
export type SmsMessage = z.infer<typeof SmsMessage>;

export const SmsInboxQuery = z.strictObject({
  phone: z
    .string()
    .regex(/^\d{11}$/)
    .optional(),
});

export const DemoIncomingTransfer = z.strictObject({
  marketCode: z.string().min(1).max(16),
  cardNo: z.string().regex(/^\d{12,19}$/, { message: 'CARD_NUMBER_RULE' }),
  payerName: z.string().trim().min(1).max(100),
  amount: AmountFen,
});
export type DemoIncomingTransfer = z.infer<typeof DemoIncomingTransfer>;

export const DemoTrade = z.strictObject({
  marketCode: z.string().min(1).max(16),
  payerCode: z.string().min(1).max(32),
  payeeCode: z.string().min(1).max(32),
  amount: AmountFen,
  fee: FeeFen,
  description: z.string().trim().max(100),
});
export type DemoTrade = z.infer<typeof DemoTrade>;

export const DemoEventResult = z.object({ serial: z.string().nullable(), outcome: z.string() });
export type DemoEventResult = z.infer<typeof DemoEventResult>;
