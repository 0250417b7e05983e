// The service killed with SIGKILL at random moments while clients deposit,
// withdraw and approve, restarted ten times; afterwards the audit chain and
// the ledger verify and no instruction is half-executed.
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src-service/audit/verify';
import { openStore } from '../../src-service/store/db';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { payloadOf, signedContract } from '../support/instructions';
import { harnessFor, READY_PASSWORD } from '../support/service-harness';
import { SERVICE_FROM_SOURCE, startServiceProcess } from '../support/service-process';
import { signEnvelope, type SoftKey } from '../support/soft-certificates';

const RESTARTS = 10;

/** The service as its command line, with the test hooks (they need --demo and NODE_ENV=test). */
const startService = (database: string, keysEnv: NodeJS.ProcessEnv) =>
  startServiceProcess(SERVICE_FROM_SOURCE, ['--db', database, '--demo'], keysEnv);

async function call(url: string, path: string, token: string | null, method = 'GET', body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Password, captcha (test hook) and the signed login with the user's key. */
async function login(url: string, loginName: string, key: SoftKey): Promise<string> {
  const captcha = (await call(url, '/auth/captcha', null, 'POST', {})).body;
  const answer = (await call(url, `/__test/captcha/${captcha.captchaId}`, null)).body.answer;
  const res = await call(url, '/auth/login', null, 'POST', {
    loginName,
    password: READY_PASSWORD,
    captchaId: captcha.captchaId,
    captchaAnswer: answer,
  });
  const step = res.body.certificateStep;
  const signature = signEnvelope(
    key,
    payloadOf('login', { loginName, certSerial: key.serial }, step.challenge, new Date().toISOString()),
  );
  await call(url, '/auth/certificate', res.body.token, 'POST', { step: 'signIn', signature });
  return res.body.token;
}

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`crash safety on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let contract: number;
    let opKey: SoftKey;
    let revKey: SoftKey;

    beforeAll(async () => {
      const op = await h.signedIn('trade.operator');
      const rev = await h.signedIn('trade.reviewer');
      opKey = await h.keyOf('trade.operator');
      revKey = await h.keyOf('trade.reviewer');
      contract = (await signedContract(h, op, rev)).contractId;
      // From here on a separate service process owns the database.
      await h.app.close();
    });

    it(`survives ${RESTARTS} SIGKILLs during a load of deposits and withdrawals`, async () => {
      let submitted = 0;
      for (let round = 0; round < RESTARTS; round++) {
        const { child, url } = await startService(h.database, h.keysEnv);
        const op = await login(url, 'trade.operator', opKey);
        const rev = await login(url, 'trade.reviewer', revKey);
        let alive = true;
        const worker = async (w: number) => {
          for (let i = 0; alive; i++) {
            try {
              const draft = {
                kind: w % 2 === 0 ? 'deposit' : 'withdraw',
                contractId: contract,
                amount: 100 + ((round * 7 + i) % 13) * 10,
              };
              const p = await call(url, '/instructions/preview', op, 'POST', draft);
              if (p.status !== 200) continue;
              const signature = signEnvelope(
                opKey,
                payloadOf(draft.kind, p.body.fields, p.body.challenge, new Date().toISOString()),
              );
              const s = await call(url, '/instructions', op, 'POST', {
                draft,
                idempotencyKey: p.body.serial,
                signature,
              });
              if (s.status !== 200) continue;
              submitted += 1;
              const ch = await call(url, `/instructions/${s.body.id}/decision-challenge`, rev, 'POST', {
                decision: 'approve',
              });
              if (ch.status !== 200) continue;
              await call(url, `/instructions/${s.body.id}/decision`, rev, 'POST', {
                decision: 'approve',
                signature: signEnvelope(
                  revKey,
                  payloadOf('decision', ch.body.fields, ch.body.challenge, new Date().toISOString()),
                ),
              });
            } catch {
              return; // the service is gone
            }
          }
        };
        const exited = new Promise((r) => child.once('exit', r));
        const load = Promise.all([0, 1, 2, 3].map(worker));
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
        child.kill('SIGKILL');
        alive = false;
        await exited;
        await load;
      }
      expect(submitted).toBeGreaterThan(RESTARTS);

      const store = openStore(h.database);
      try {
        const report = await verifyAudit(store.db);
        expect(report.breaks).toEqual([]);
        // nothing stuck half-way: "approved" is only ever a step inside one transaction
        const states = await store.db.selectFrom('instructions').select(['serial', 'kind', 'state']).execute();
        expect(states.filter((s) => s.state === 'approved')).toEqual([]);
        const entries = await store.db
          .selectFrom('journal_entries')
          .select('reference')
          .where('reference', 'like', 'instruction:%')
          .execute();
        for (const s of states.filter((x) => x.kind === 'deposit' || x.kind === 'withdraw')) {
          const posted = entries.filter((e) => e.reference === `instruction:${s.serial}`).length;
          expect(posted, `${s.serial} ${s.state}`).toBe(s.state === 'executed' ? 1 : 0);
        }
        expect(states.filter((s) => s.state === 'executed').length).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    }, 240_000);
  });
}
