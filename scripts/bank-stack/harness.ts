// What the chaos run needs before its load, done as the bank would: customers
// enrolled by the bank's own tools on the database (the demo's enterprises and
// markets, as its counter would record them), certificates for the operator's and
// the reviewer's keys issued by the bank CA in the HSM, and each of them logged in
// through the load balancer as a clerk would — password, captcha, first-login
// password change and the certificate sign-off. The captcha is the one piece the
// harness answers from its side: it makes the captcha row in the database itself
// (as the owner role), since a production service has no test hook and no person
// reads the image here.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import type { MarketKey } from '../../src-market-sim/signing';
import type { Fen } from '../../src-shared/money';
import { marketMoney } from '../../src-service/markets/events';
import { registerMarketKey } from '../../src-service/markets/keys';
import { setSignedIn } from '../../src-service/markets/markets';
import { contractDemoMembers } from '../../tests/support/market-members';
import { Clock } from '../../src-service/clock';
import { createContext, type ServiceContext } from '../../src-service/context';
import { DEMO_PASSWORD } from '../../src-service/demo/data';
import { seedDemo } from '../../src-service/demo/seed';
import { SERVICE_VERSION } from '../../src-service/server';
import { openStore, type Store } from '../../src-service/store/db';
import { payloadOf } from '../../tests/support/instructions';
import { issueSoftKey, signEnvelope, type SoftKey } from '../../tests/support/soft-certificates';
import { at, type Sessions } from './load';
import { stackPaths, type Stack } from './stack';

const NEW_PASSWORD = 'Chaos2026ok';

export class Harness {
  /** The ids haproxy gave the harness's requests (the login and the contract's signing). */
  readonly requestIds: string[] = [];

  private constructor(
    readonly store: Store,
    readonly ctx: ServiceContext,
    private readonly stack: Stack,
    private readonly dispatcher: Dispatcher,
  ) {}

  /** The owner's connection straight to the primary, the bank HSM of the stack. */
  static open(stack: Stack): Harness {
    Object.assign(process.env, {
      SOFTHSM2_CONF: stack.env.SOFTHSM2_CONF,
      SETTLEKEY_HSM_MODULE: stack.env.SETTLEKEY_HSM_MODULE,
      SETTLEKEY_HSM_TOKEN: stack.env.SETTLEKEY_HSM_TOKEN,
      SETTLEKEY_HSM_PIN_FILE: stack.env.SETTLEKEY_HSM_PIN_FILE,
      SETTLEKEY_DB_PASSWORD_FILE: stack.ownerPasswordFile,
    });
    const store = openStore(stack.ownerUrl());
    const ctx = createContext(
      store,
      { demo: false, testMode: true, version: SERVICE_VERSION, keys: { demo: 'as-recorded' } },
      new Clock(false),
    );
    return new Harness(store, ctx, stack, new Agent({ connect: { ca: stack.bankCa } }));
  }

  /**
   * Which instance served each of the harness's requests, from haproxy's own log:
   * one user's steps (captcha, login, sign-off, password, contract) go to any instance.
   */
  servedBy(): Map<string, number> {
    const log = readFileSync(join(stackPaths(this.stack.state.dir).proxy, 'haproxy.log'), 'utf8');
    const servers = new Map<string, number>();
    for (const id of this.requestIds) {
      const line = log.split('\n').find((l) => l.includes(`request_id=${id}`));
      const server = line && /settlement\/(\S+)/.exec(line)?.[1];
      if (server) servers.set(server, (servers.get(server) ?? 0) + 1);
    }
    return servers;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
    await this.ctx.bankKeys.close();
    await this.store.close();
  }

  private async call(path: string, token: string | null, body?: unknown, method = 'POST'): Promise<any> {
    const res = await request(`${this.stack.url}${path}`, {
      method: method as Dispatcher.HttpMethod,
      dispatcher: this.dispatcher,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.body.json()) as any;
    const id = res.headers['x-request-id'];
    if (typeof id === 'string') this.requestIds.push(id);
    if (res.statusCode !== 200) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(json)}`);
    return json;
  }

  private async login(loginName: string, key: SoftKey): Promise<string> {
    const captcha = await this.ctx.captchas.create();
    const reply = await this.call(at('auth.login'), null, {
      loginName,
      password: DEMO_PASSWORD,
      captchaId: captcha.captchaId,
      captchaAnswer: this.ctx.captchas.testAnswer(captcha.captchaId),
    });
    const token = reply.token as string;
    if (reply.profile?.mustChangePassword)
      await this.call(at('auth.changePassword'), token, {
        oldPassword: DEMO_PASSWORD,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
    const step = reply.certificateStep;
    if (step) {
      const signature = signEnvelope(key, {
        kind: step.step === 'signOff' ? 'signOff' : 'login',
        loginName,
        certSerial: key.serial,
        challenge: step.challenge,
        time: new Date().toISOString(),
      });
      await this.call(at('auth.certificate'), token, { step: step.step, signature });
    }
    return token;
  }

  /**
   * The market's side, as bank staff set it up: the demo's two members contracted on
   * EXCH01 (EX2001 pays, EX2002 receives), EX2001 funded, the market signed in, and
   * the market's own Ed25519 key registered (the counter's `market-keys` does this).
   */
  async market(): Promise<{ key: MarketKey; code: string; payer: string; payee: string }> {
    await contractDemoMembers(this.ctx, 'EXCH01', { corporate: 'EX2001', individual: 'EX2002' });
    await setSignedIn(this.ctx, 'EXCH01', true);
    await marketMoney(this.ctx, {
      marketCode: 'EXCH01',
      direction: 'deposit',
      memberCode: 'EX2001',
      amount: 100_000_000 as Fen,
      key: 'chaos-fund',
    });
    const pair = generateKeyPairSync('ed25519');
    const registered = await registerMarketKey(this.ctx, {
      marketCode: 'EXCH01',
      publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      by: 'staff:chaos',
    });
    return {
      key: { keyId: registered.keyId, algorithm: 'ed25519', privateKey: pair.privateKey },
      code: 'EXCH01',
      payer: 'EX2001',
      payee: 'EX2002',
    };
  }

  /** Enrolled, signed in, and a contract signed and approved (member EX1002 of EXCH01). */
  async sessions(): Promise<Sessions> {
    await seedDemo(this.ctx);
    const operatorKey = await issueSoftKey(this.ctx, 'trade.operator', { keyType: 'ec' });
    const reviewerKey = await issueSoftKey(this.ctx, 'trade.reviewer', { keyType: 'ec' });
    const operator = await this.login('trade.operator', operatorKey);
    const reviewer = await this.login('trade.reviewer', reviewerKey);
    const markets = await this.call(at('accounts.markets'), operator, undefined, 'GET');
    const accounts = await this.call(at('ebank.accounts'), operator, undefined, 'GET');
    const draft = {
      kind: 'sign',
      marketId: markets.find((m: any) => m.code === 'EXCH01').id,
      memberCode: 'EX1002',
      boundAccountId: accounts[0].id,
    };
    const p = await this.call(at('instructions.preview'), operator, draft);
    const submitted = await this.call(at('instructions.submit'), operator, {
      draft,
      idempotencyKey: p.serial,
      signature: signEnvelope(operatorKey, payloadOf('sign', p.fields, p.challenge, new Date().toISOString())),
    });
    const ch = await this.call(at('instructions.decisionChallenge', { id: submitted.id }), reviewer, {
      decision: 'approve',
    });
    await this.call(at('instructions.decision', { id: submitted.id }), reviewer, {
      decision: 'approve',
      signature: signEnvelope(reviewerKey, payloadOf('decision', ch.fields, ch.challenge, new Date().toISOString())),
    });
    const contracts = await this.call(at('accounts.list'), operator, undefined, 'GET');
    return { operator, reviewer, operatorKey, reviewerKey, contractId: contracts[0].contractId };
  }
}
