// The member system's IPC methods in the main process. A corporate member's
// operation is prepared (the service names the fields and the challenge), shown,
// and signed here on the USB-KEY — the renderer never chooses what is signed; an
// individual's is prepared (an SMS code goes out) and performed with the code.
import { z } from 'zod';
import { DemoEventResult, SmsMessage } from '../../src-shared/api/demo';
import { Card, ClosureCheck, OperationResult, PrepareReply, SuspenseRecord, Trade } from '../../src-shared/api/members';
import {
  Bank,
  Branch,
  Division,
  MarketLink,
  MemberProfile,
  OtpSent,
  RecoveryResult,
  RegistrationReceipt,
} from '../../src-shared/api/registration';
import {
  EnterpriseMarket,
  MarketSummary,
  MemberAccount,
  Transaction,
  TransactionPage,
  CancelCheck,
} from '../../src-shared/api/settlement';
import { AppError } from '../../src-shared/errors';
import type { MemberOperationCall } from '../../src-shared/ipc/member-contract';
import type { TokenHostClient } from '../token/host-client';
import { payloadFrom, type Handlers, type MemberMethod } from './handlers';
import type { SettlementClient } from './settlement-client';
import { serviceTime, signPayloads } from './signer';

/** The service, and the token for a corporate member's signature. */
export interface MemberHandlerDeps {
  readonly client: SettlementClient;
  readonly tokens: Pick<TokenHostClient, 'request'>;
}

/** A corporate member's prepared operation, by operation name: signed only as the service described it. */
interface Prepared {
  call: string;
  reply: Extract<PrepareReply, { method: 'usbkey' }>;
  receivedAt: number;
}

export function memberHandlers({ client, tokens }: MemberHandlerDeps): Pick<Handlers, MemberMethod> {
  const prepared = new Map<string, Prepared>();
  const key = (call: MemberOperationCall) => JSON.stringify(call);

  return {
    'public.otp': async (input) => client.call('POST', '/public/otp', OtpSent, input),
    'public.market': async ({ code }) => client.call('GET', `/public/markets/${encodeURIComponent(code)}`, MarketLink),
    'register.corporate': async (input) => client.call('POST', '/registrations/corporate', RegistrationReceipt, input),
    'register.individual': async (input) =>
      client.call('POST', '/registrations/individual', RegistrationReceipt, input),
    'recover.corporate': async (input) => client.call('POST', '/recovery/corporate', RecoveryResult, input),
    'recover.individual': async (input) => client.call('POST', '/recovery/individual', RecoveryResult, input),
    'lookup.banks': async () => client.call('GET', '/lookup/banks', z.array(Bank)),
    'lookup.cardIssuer': async ({ cardNo }) =>
      client.call('GET', '/lookup/card-issuer', z.object({ bank: Bank.nullable() }), undefined, { params: { cardNo } }),
    'lookup.branches': async (query) =>
      client.call('GET', '/lookup/branches', z.array(Branch), undefined, { params: query }),
    'lookup.provinces': async () => client.call('GET', '/lookup/provinces', z.array(Division)),
    'lookup.cities': async ({ province }) =>
      client.call('GET', '/lookup/cities', z.array(Division), undefined, { params: { province } }),
    'auth.otpSend': async () => client.call('POST', '/auth/otp/send', OtpSent),

    'member.profile': async () => client.call('GET', '/member/profile', MemberProfile),
    'member.markets': async () => client.call('GET', '/member/markets', z.array(EnterpriseMarket)),
    'member.accounts': async (input) =>
      client.call('GET', '/member/accounts', z.array(MemberAccount), undefined, {
        params: { status: input?.status ?? 'active' },
      }),
    'member.transactions': async ({ contractId, query }) =>
      client.call('GET', `/member/accounts/${contractId}/transactions`, TransactionPage, undefined, { params: query }),
    'member.transaction': async ({ contractId, entryId }) =>
      client.call('GET', `/member/accounts/${contractId}/transactions/${entryId}`, Transaction),
    'member.cancelCheck': async ({ contractId }) =>
      client.call('GET', `/member/accounts/${contractId}/cancel-check`, CancelCheck),
    'member.cards': async () => client.call('GET', '/member/cards', z.array(Card)),
    'member.authenticateCard': async (input) => client.call('POST', '/member/cards/authenticate', Card, input),
    'member.trades': async (query) =>
      client.call('GET', '/member/trades', z.array(Trade), undefined, { params: query }),
    'member.suspense': async (query) =>
      client.call('GET', '/member/suspense', z.array(SuspenseRecord), undefined, { params: query }),
    'member.closureCheck': async () => client.call('GET', '/member/closure-check', ClosureCheck),

    'member.prepare': async (call) => {
      const receivedAt = Date.now();
      const reply = await client.call('POST', `/member/operations/${call.operation}/prepare`, PrepareReply, call.input);
      if (reply.method === 'usbkey')
        prepared.set(key(call as MemberOperationCall), { call: key(call as MemberOperationCall), reply, receivedAt });
      return reply;
    },
    'member.perform': async ({ call, otp, sign }) => {
      const url = `/member/operations/${call.operation}`;
      if (otp) return client.call('POST', url, OperationResult, { input: call.input, proof: { otp } });
      if (!sign) throw new AppError('VERIFICATION_REQUIRED');
      // Only what was prepared for exactly this call is signed.
      const held = prepared.get(key(call as MemberOperationCall));
      if (!held) throw new AppError('CHALLENGE_UNKNOWN');
      const { reply, receivedAt } = held;
      const [signature] = await signPayloads(tokens, sign, [
        payloadFrom('memberOperation', reply.fields, reply.challenge, serviceTime(reply.issuedAt, receivedAt)),
      ]);
      const result = await client.call('POST', url, OperationResult, {
        input: call.input,
        proof: { usbkey: signature },
      });
      prepared.delete(held.call);
      return result;
    },

    'demo.sms': async (query) =>
      client.call('GET', '/__demo/sms', z.array(SmsMessage), undefined, { params: query ?? {} }),
    'demo.markets': async () => client.call('GET', '/__demo/markets', z.array(MarketSummary)),
    'demo.marketSignIn': async ({ code, signedIn }) =>
      client.call(
        'POST',
        `/__demo/markets/${encodeURIComponent(code)}/${signedIn ? 'sign-in' : 'sign-out'}`,
        z.array(MarketSummary),
      ),
    'demo.incomingTransfer': async (input) => client.call('POST', '/__demo/incoming-transfer', DemoEventResult, input),
    'demo.trade': async (input) => client.call('POST', '/__demo/b2b-trade', DemoEventResult, input),
  };
}
