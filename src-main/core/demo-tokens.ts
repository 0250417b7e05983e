// The embedded default's demo tokens: at first start, one SoftHSM2 token per
// demo corporate user (label "SK <login name>", user PIN 123456), its RSA key
// generated on the token and its certificate issued by the demo service's CA.
// Where no PKCS#11 module exists, a password-protected file certificate instead.
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
  if (!softhsm && !status.fileCertificates) return []; // a real vendor's module: the bank counter issues those
  const done: string[] = [];
  for (const holder of holders.filter((h) => h.certificates === 0)) {
    const label = demoTokenLabel(holder.loginName);
    const existing = status.tokens.find((t) => t.label === label);
    const provisioned = await core.tokens.request('provision', {
      slotId: softhsm ? (existing?.slotId ?? null) : null,
      init: softhsm && !existing ? { label, soPin: DEMO_SO_PIN } : undefined,
      userPin: DEMO_TOKEN_PIN,
      keyType: 'rsa',
      subject: { commonName: holder.loginName, organization: holder.organization },
    });
    const issued = await core.client.route(counterRoutes['counter.issueCertificate'], {
      loginName: holder.loginName,
      csrPem: provisioned.csrPem,
      media: softhsm ? 'token' : 'file',
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
