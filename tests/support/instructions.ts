// Makers and checkers in service tests: preview → sign the canonical bytes with
// the user's (software) key → submit; decision challenge → sign → decide.
import type { LightMyRequestResponse } from 'fastify';
import { signedPayload, type SignedKind, type SignedPayload } from '../../src-shared/signing';
import type { Harness } from './service-harness';
import { signEnvelopeWith } from './soft-certificates';

export interface Submitted {
  status: number;
  body: any;
  preview?: any;
}

/** The payload the client would sign from the fields the service gave (the same signedPayload). */
export function payloadOf(
  kind: string,
  fields: Record<string, string | number>,
  challenge: string,
  time: string,
): SignedPayload {
  return signedPayload(kind as SignedKind, fields, { challenge, time });
}

export async function submitInstruction(
  h: Harness,
  token: string,
  loginName: string,
  draft: Record<string, unknown>,
  options: {
    idempotencyKey?: string;
    tamper?: (fields: Record<string, string | number>) => void;
    unsigned?: boolean;
  } = {},
): Promise<Submitted> {
  const preview = await h.request({ method: 'POST', url: '/instructions/preview', token, body: draft, lang: 'en' });
  if (preview.statusCode !== 200) return { status: preview.statusCode, body: preview.json() };
  const p = preview.json();
  const fields = { ...p.fields };
  options.tamper?.(fields);
  const key = await h.signerOf(loginName);
  const signature = options.unsigned
    ? undefined
    : await signEnvelopeWith(key, payloadOf(draft.kind as string, fields, p.challenge, h.clock.nowIso()));
  const res = await h.request({
    method: 'POST',
    url: '/instructions',
    token,
    lang: 'en',
    body: { draft, idempotencyKey: options.idempotencyKey ?? p.serial, ...(signature ? { signature } : {}) },
  });
  return { status: res.statusCode, body: res.json(), preview: p };
}

export async function decide(
  h: Harness,
  token: string,
  loginName: string,
  id: number,
  decision: 'approve' | 'reject',
  reason?: string,
): Promise<{ status: number; body: any }> {
  const ch = await h.request({
    method: 'POST',
    url: `/instructions/${id}/decision-challenge`,
    token,
    body: { decision, ...(reason ? { reason } : {}) },
    lang: 'en',
  });
  if (ch.statusCode !== 200) return { status: ch.statusCode, body: ch.json() };
  const c = ch.json();
  const key = await h.signerOf(loginName);
  const signature = await signEnvelopeWith(key, payloadOf('decision', c.fields, c.challenge, h.clock.nowIso()));
  const res: LightMyRequestResponse = await h.request({
    method: 'POST',
    url: `/instructions/${id}/decision`,
    token,
    lang: 'en',
    body: { decision, ...(reason ? { reason } : {}), signature },
  });
  return { status: res.statusCode, body: res.json() };
}

/**
 * trade.operator signs EXCH01 as member EX1002 and trade.reviewer approves: the contract most
 * tests start from. Returns its id and the enterprise's settlement account.
 */
export async function signedContract(
  h: Harness,
  op: string,
  rev: string,
): Promise<{ contractId: number; accountId: number }> {
  const markets = (await h.request({ method: 'GET', url: '/markets/mine', token: op })).json();
  const accountId = (await h.request({ method: 'GET', url: '/ebank/accounts', token: op })).json()[0].id;
  const sign = await submitInstruction(h, op, 'trade.operator', {
    kind: 'sign',
    marketId: markets.find((m: { code: string }) => m.code === 'EXCH01').id,
    memberCode: 'EX1002',
    boundAccountId: accountId,
  });
  await decide(h, rev, 'trade.reviewer', sign.body.id, 'approve');
  const contractId = (await h.request({ method: 'GET', url: '/member-accounts', token: op })).json()[0].contractId;
  return { contractId, accountId };
}

/**
 * trade.operator and trade.reviewer signed in, and the contract they signed (signedContract): where
 * most service tests start.
 */
export async function tradeDesk(h: Harness): Promise<{ op: string; rev: string; contract: number }> {
  const op = await h.signedIn('trade.operator');
  const rev = await h.signedIn('trade.reviewer');
  return { op, rev, contract: (await signedContract(h, op, rev)).contractId };
}
