// The embedded default's demo tokens: at first start, one token per demo
// corporate user (label "SK <login name>", user PIN 123456), its key generated
// on the token and its certificate issued by the demo service's CA — an RSA
// key on a SoftHSM2 token, or for the users the service names (示范贸易) an SM2
// key on a device of the SKF simulator, certified by the bank's SM2 CA. Where
// no PKCS#11 module exists, a password-protected file certificate instead.
import { join } from 'node:path';
import { counterRoutes } from '../../src-shared/routes/counter';
import { softHsmConfIn } from '../../src-token/softhsm-conf';
import type { TokenHostClient } from '../token/host-client';
import type { SettlementClient } from './settlement-client';

export const DEMO_TOKEN_PIN = '123456';
export const DEMO_SO_PIN = '12345678';

/** A SoftHSM2 configuration of the demo's own, inside the user-data folder. */
export function demoSoftHsmConf(userDataDir: string): string {
  return softHsmConfIn(join(userDataDir, 'softhsm2'));
}

/**
 * The token host's environment in a demo: its SoftHSM2 tokens (RSA) and its
 * SKF simulator's devices (SM2) in the user-data folder, unless the
 * environment already names others.
 */
export function demoTokenEnv(userDataDir: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    SOFTHSM2_CONF: env.SOFTHSM2_CONF || demoSoftHsmConf(userDataDir),
    SETTLEKEY_SKF_SOFT_DIR: env.SETTLEKEY_SKF_SOFT_DIR || join(userDataDir, 'skf-soft'),
  };
}

export function demoTokenLabel(loginName: string): string {
  return `SK ${loginName}`.slice(0, 32);
}

/** The service that knows the holders and issues their certificates, and the token host that makes the keys. */
export interface DemoTokenDeps {
  readonly client: Pick<SettlementClient, 'route'>;
  readonly tokens: Pick<TokenHostClient, 'status' | 'request'>;
}

const running = new WeakMap<DemoTokenDeps, Promise<string[]>>();

/**
 * Provisions what is missing; returns the login names it provisioned. Runs at
 * start and before each login (a member the counter approved since then gets
 * its token), one run at a time so a holder is never provisioned twice.
 */
export function provisionDemoTokens(core: DemoTokenDeps): Promise<string[]> {
  const previous = running.get(core) ?? Promise.resolve([]);
  const next = previous.catch(() => []).then(() => provisionMissing(core));
  running.set(core, next);
  return next;
}

async function provisionMissing(core: DemoTokenDeps): Promise<string[]> {
  const holders = await core.client.route(counterRoutes['counter.tokenHolders']);
  const status = await core.tokens.status();
  const softhsm = status.module.loaded && /softhsm/i.test(status.module.path ?? '');
  // SM2 keys go on the SKF simulator's devices; a vendor's SKF library's keys come from the bank counter.
  const skfSimulator = status.libraries.some((l) => l.api === 'skf' && l.source === 'simulator' && l.loaded);
  const done: string[] = [];
  for (const holder of holders.filter((h) => h.certificates === 0)) {
    const sm2 = holder.keyType === 'sm2' && skfSimulator;
    if (!sm2 && !softhsm && !status.fileCertificates) continue; // a real vendor's module: the bank counter issues those
    const label = demoTokenLabel(holder.loginName);
    const existing = status.tokens.find((t) => t.label === label && (t.kind === 'skf') === sm2);
    const onToken = sm2 || softhsm;
    const provisioned = await core.tokens.request('provision', {
      slotId: onToken ? (existing?.slotId ?? null) : null,
      init: onToken && !existing ? { label, soPin: DEMO_SO_PIN } : undefined,
      userPin: DEMO_TOKEN_PIN,
      keyType: sm2 ? 'sm2' : 'rsa',
      subject: { commonName: holder.loginName, organization: holder.organization },
    });
    const issued = await core.client.route(counterRoutes['counter.issueCertificate'], {
      loginName: holder.loginName,
      csrPem: provisioned.csrPem,
      media: onToken ? 'token' : 'file',
    });
    await core.tokens.request('writeCertificate', {
      slotId: provisioned.slotId,
      keyId: provisioned.keyId,
      pin: DEMO_TOKEN_PIN,
      certDer: issued.certificateDer,
      label: `${holder.loginName} ${issued.serial.slice(0, 8)}`,
    });
    done.push(holder.loginName);
  }
  return done;
}
