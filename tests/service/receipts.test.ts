// The bank's signed receipts (src-service/receipts, src-shared/receipts.ts), on
// both databases: signed once with the document key at the first view, the same
// receipt after; only the owner gets one; a changed line is named; the public
// lookup by code masks account numbers, still verifies, and is rate-limited
// under parallel requests; `npm run verify-receipt` says the same offline.
import { execFile } from 'node:child_process';
import { createVerify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { x509 } from '../../src-service/certificates/x509';
import { createContext } from '../../src-service/context';
import { buildApp } from '../../src-service/http/app';
import { openStore } from '../../src-service/store/db';
import { LOOKUPS_PER_MINUTE } from '../../src-service/receipts/issue';
import * as events from '../../src-service/markets/events';
import type { Fen } from '../../src-shared/money';
import {
  base64ToBytes,
  DOCUMENT_SIGNING_EKU,
  fromQrText,
  normalizeCode,
  ReceiptStatement,
  verifyReceipt,
  type ReceiptDocument,
} from '../../src-shared/receipts';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { decide, submitInstruction, tradeDesk } from '../support/instructions';
import { ZHANG, zhangSignsB2b } from '../support/members';
import { harnessFor } from '../support/service-harness';

const run = promisify(execFile);

for (const kind of DATABASE_KINDS) {
  const available = await checkAvailable(kind);
  describe.skipIf(!available)(`bank-signed receipts on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let op: string;
    let rev: string;
    let caPem: string;
    let depositId: number;

    beforeAll(async () => {
      ({ op, rev } = await tradeDesk(h));
      const contract = (await get('/member-accounts', op))[0].contractId;
      const submitted = await submitInstruction(h, op, 'trade.operator', {
        kind: 'deposit',
        contractId: contract,
        amount: 12_345_67,
      });
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
      depositId = submitted.body.id;
      expect((await decide(h, rev, 'trade.reviewer', depositId, 'approve')).status).toBe(200);
      caPem = (await h.ctx.bankKeys.caCertificate()).toString('pem');
    });

    const get = async (url: string, token?: string) => {
      const res = await h.request({ method: 'GET', url, token, lang: 'en' });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      return res.json();
    };
    const issue = (token: string, subject: unknown) =>
      h.request({ method: 'POST', url: '/receipts', token, body: subject, lang: 'en' });
    const issued = async (token: string, subject: unknown): Promise<{ document: ReceiptDocument; qr: string }> => {
      const res = await issue(token, subject);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const line = (d: ReceiptDocument, key: string) => d.lines.find((l) => l.key === key)?.value;
    const codeOf = (d: ReceiptDocument) => ReceiptStatement.parse(JSON.parse(d.statement)).code;

    it('signs an instruction’s receipt with the document key, once, and it verifies against the CA', async () => {
      const first = await issued(op, { kind: 'instruction', id: depositId });
      const d = first.document;
      expect(line(d, 'amount')).toBe('1234567');
      expect(line(d, 'kind')).toBe('deposit');
      expect(line(d, 'state')).toBe('executed');
      expect(line(d, 'checker')).toBeTruthy();
      const verdict = await verifyReceipt(d, caPem);
      expect(verdict).toMatchObject({ valid: true, problems: [] });
      expect(verdict.lines.every((l) => l.status === 'ok')).toBe(true);

      // the document key, not the CA key: its own certificate, for document signing, issued by the CA
      const cert = new x509.X509Certificate(base64ToBytes(d.certificate));
      const ca = await h.ctx.bankKeys.caCertificate();
      expect(cert.serialNumber).not.toBe(ca.serialNumber);
      expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toContain(DOCUMENT_SIGNING_EKU);
      // an independent check of the signature: Node's own verifier over the statement's bytes
      const verifier = createVerify('sha256');
      verifier.update(Buffer.from(d.statement, 'utf8'));
      expect(verifier.verify(cert.toString('pem'), Buffer.from(d.signature, 'base64'))).toBe(true);

      // ≥ 80 random bits: 20 characters of base32 is 100
      expect(codeOf(d)).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);

      const again = await issued(op, { kind: 'instruction', id: depositId });
      expect(again.document).toEqual(d);
      // the reviewer of the same enterprise sees the same receipt
      expect((await issued(rev, { kind: 'instruction', id: depositId })).document.signature).toBe(d.signature);
    });

    it('signs a receipt once when its first views come in parallel', async () => {
      const txns = await get('/ebank/transactions?period=today', op);
      const entryId = txns.items[0].entryId;
      const replies = await Promise.all(Array.from({ length: 8 }, () => issued(op, { kind: 'transaction', entryId })));
      const signatures = new Set(replies.map((r) => r.document.signature));
      expect(signatures.size).toBe(1);
      const rows = await h.ctx.db
        .selectFrom('receipts')
        .select('subject')
        .where('subject', 'like', 'transaction:%')
        .execute();
      expect(rows).toHaveLength(1);
      const d = replies[0]!.document;
      expect(line(d, 'direction')).toBe('out');
      expect(line(d, 'amount')).toBe('1234567');
      expect(line(d, 'balanceAfter')).toMatch(/^\d+$/);
      expect((await verifyReceipt(d, caPem)).valid).toBe(true);
    });

    it('gives a receipt only to its owner, with the detail’s own permission', async () => {
      const other = await h.signedIn('demo.operator');
      const refused = await issue(other, { kind: 'instruction', id: depositId });
      expect(refused.statusCode, refused.body).toBe(422);
      expect(refused.json().error.code).toBe('INSTRUCTION_NOT_FOUND');
      const txns = await get('/ebank/transactions?period=today', op);
      const foreign = await issue(other, { kind: 'transaction', entryId: txns.items[0].entryId });
      expect(foreign.statusCode, foreign.body).toBe(404);
      const zhang = await h.signedIn('m.zhangsan');
      expect((await issue(zhang, { kind: 'instruction', id: depositId })).statusCode).toBe(403);
      expect(
        (await h.request({ method: 'POST', url: '/receipts', body: { kind: 'instruction', id: depositId } }))
          .statusCode,
      ).toBe(401);
    });

    it('names the line whose figure was changed, and refuses a changed statement or another CA', async () => {
      const { document } = await issued(op, { kind: 'instruction', id: depositId });
      const tampered = {
        ...document,
        lines: document.lines.map((l) => (l.key === 'amount' ? { ...l, value: '9234567' } : l)),
      };
      const verdict = await verifyReceipt(tampered, caPem);
      expect(verdict.valid).toBe(false);
      expect(verdict.problems).toEqual(['linesChanged']);
      expect(verdict.lines.filter((l) => l.status !== 'ok').map((l) => l.key)).toEqual(['amount']);

      const dropped = await verifyReceipt(
        { ...document, lines: document.lines.filter((l) => l.key !== 'checker') },
        caPem,
      );
      expect(dropped).toMatchObject({ valid: false, missing: ['checker'], problems: ['linesMissing'] });

      const restated = {
        ...document,
        statement: document.statement.replace('"kind":"instruction"', '"kind":"transaction"'),
      };
      expect((await verifyReceipt(restated, caPem)).problems).toContain('signatureInvalid');

      const alg = {
        name: 'RSASSA-PKCS1-v1_5',
        hash: 'SHA-256',
        publicExponent: new Uint8Array([1, 0, 1]),
        modulusLength: 2048,
      };
      const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
      const otherCa = await x509.X509CertificateGenerator.createSelfSigned({
        name: 'CN=Not the bank',
        keys,
        signingAlgorithm: alg,
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + 86_400_000),
      });
      expect((await verifyReceipt(document, otherCa.toString('pem'))).problems).toContain('notIssuedByBank');
    });

    it('the QR code’s text holds the signed content and verifies with the bank’s published certificates', async () => {
      const { document, qr } = await issued(op, { kind: 'instruction', id: depositId });
      const published = await get('/public/receipt-certificates');
      const bySerial = (serial: string) =>
        published.documents
          .map((pem: string) => new x509.X509Certificate(pem))
          .find((c: x509.X509Certificate) => c.serialNumber === serial)
          ?.toString('base64');
      const fromQr = await fromQrText(qr, bySerial);
      expect(fromQr.statement).toBe(document.statement);
      expect((await verifyReceipt(fromQr, published.ca)).valid).toBe(true);
      const altered = qr.replace('"1234567"', '"1234568"');
      expect(altered).not.toBe(qr);
      expect((await verifyReceipt(await fromQrText(altered, bySerial), published.ca)).problems).toContain(
        'signatureInvalid',
      );
    });

    it('looks a receipt up by its code without a login, account numbers masked, and it still verifies', async () => {
      const { document } = await issued(op, { kind: 'instruction', id: depositId });
      const code = codeOf(document);
      const typed = code.toLowerCase().replace(/-/g, ' ');
      expect(normalizeCode(typed)).toBe(code);
      const found: ReceiptDocument = await get(`/public/receipts/${encodeURIComponent(typed)}`);
      expect(found.seed).toBeUndefined();
      const account = line(document, 'fromAccount')!;
      expect(account).toMatch(/^\d{12,}$/);
      expect(line(found, 'fromAccount')).toBe(
        `${account.slice(0, 4)}${'*'.repeat(account.length - 8)}${account.slice(-4)}`,
      );
      expect(JSON.stringify(found)).not.toContain(account);
      const verdict = await verifyReceipt(found, caPem);
      expect(verdict.valid).toBe(true);
      expect(verdict.lines.find((l) => l.key === 'fromAccount')?.status).toBe('masked');
      expect(verdict.lines.find((l) => l.key === 'amount')?.status).toBe('ok');

      const bad = await h.request({ method: 'GET', url: '/public/receipts/123', lang: 'zh-CN' });
      expect(bad.statusCode, bad.body).toBe(400);
      expect(bad.json().error.code).toBe('RECEIPT_CODE_INVALID');
      const unknown = await h.request({ method: 'GET', url: `/public/receipts/${'0'.repeat(20)}`, lang: 'en' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('RECEIPT_NOT_FOUND');
    });

    it('lets one address look up at most its limit a minute, counted under parallel requests', async () => {
      await h.ctx.db.deleteFrom('limit_counters').where('scope', '=', 'receiptLookup').execute();
      const { document } = await issued(op, { kind: 'instruction', id: depositId });
      const url = `/public/receipts/${codeOf(document)}`;
      // the count is per minute: start the burst at a minute's beginning, so that it cannot straddle two
      h.clock.advance(60_000 - (h.clock.now().getTime() % 60_000) + 1_000);
      const replies = await Promise.all(
        Array.from({ length: LOOKUPS_PER_MINUTE + 6 }, () => h.request({ method: 'GET', url, lang: 'en' })),
      );
      const statuses = replies.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(LOOKUPS_PER_MINUTE);
      expect(statuses.filter((s) => s === 429)).toHaveLength(6);
      expect(replies.find((r) => r.statusCode === 429)!.json().error.message).toMatch(
        /At most 10 receipt checks a minute/,
      );
      h.clock.advance(60_000);
      expect((await h.request({ method: 'GET', url, lang: 'en' })).statusCode).toBe(200);
    });

    it('counts the lookups of each client behind a trusted load balancer apart, and believes no one else’s X-Forwarded-For', async () => {
      const { document } = await issued(op, { kind: 'instruction', id: depositId });
      const url = `/public/receipts/${codeOf(document)}`;
      const behindProxy = createContext(
        openStore(h.database),
        { ...h.ctx.options, trustedProxies: ['127.0.0.1'] },
        h.clock,
      );
      const proxied = await buildApp(behindProxy);
      try {
        const from = (app: typeof proxied, client: string) =>
          app.inject({ method: 'GET', url, remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': client } });
        await h.ctx.db.deleteFrom('limit_counters').where('scope', '=', 'receiptLookup').execute();
        h.clock.advance(60_000 - (h.clock.now().getTime() % 60_000) + 1_000);
        for (let i = 0; i < LOOKUPS_PER_MINUTE; i++) expect((await from(proxied, '203.0.113.9')).statusCode).toBe(200);
        expect((await from(proxied, '203.0.113.9')).statusCode).toBe(429);
        // another client behind the same load balancer still has its own
        expect((await from(proxied, '198.51.100.7')).statusCode).toBe(200);
        // an instance that trusts no proxy counts by the peer: a forged header buys no new slots
        await h.ctx.db.deleteFrom('limit_counters').where('scope', '=', 'receiptLookup').execute();
        for (let i = 0; i < LOOKUPS_PER_MINUTE; i++)
          expect((await from(h.app, `192.0.2.${i + 1}`)).statusCode).toBe(200);
        expect((await from(h.app, '192.0.2.99')).statusCode).toBe(429);
      } finally {
        await proxied.close();
        await behindProxy.store.close();
      }
    });

    it('gives a member its operation’s receipt, and a member account’s transaction', async () => {
      const zhang = await h.signedIn('m.zhangsan');
      const signed = await zhangSignsB2b(h, zhang);
      expect(signed.status, JSON.stringify(signed.body)).toBe(200);
      const receipt = await issued(zhang, { kind: 'memberOperation', serial: signed.body.serial });
      expect(line(receipt.document, 'operation')).toBe('signContract');
      expect(line(receipt.document, 'serial')).toBe(signed.body.serial);
      expect((await verifyReceipt(receipt.document, caPem)).valid).toBe(true);
      // another member's operation does not exist for this one
      expect(
        (await issue(await h.signedIn('m.corp'), { kind: 'memberOperation', serial: signed.body.serial })).statusCode,
      ).toBe(404);

      await events.incomingTransfer(h.ctx, {
        marketCode: 'B2B02',
        cardNo: ZHANG.cardNo,
        payerName: '张三',
        amount: 5_000 as Fen,
        key: 'receipt-in-1',
      });
      const contractId = signed.body.contractId;
      const txns = await get(`/member-accounts/${contractId}/transactions?period=today&category=all`, zhang);
      const t = await issued(zhang, { kind: 'transaction', contractId, entryId: txns.items[0].entryId });
      expect(line(t.document, 'amount')).toBe('5000');
      expect((await verifyReceipt(t.document, caPem)).valid).toBe(true);
    });

    it.runIf(kind.name === 'sqlite')('npm run verify-receipt says genuine, or names the changed figure', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sk-receipt-'));
      try {
        const { document } = await issued(op, { kind: 'instruction', id: depositId });
        writeFileSync(join(dir, 'ca.pem'), caPem);
        writeFileSync(join(dir, 'good.json'), JSON.stringify(document));
        const tampered = {
          ...document,
          lines: document.lines.map((l) => (l.key === 'amount' ? { ...l, value: '1234568' } : l)),
        };
        writeFileSync(join(dir, 'bad.json'), JSON.stringify(tampered));
        const cli = (file: string, ...more: string[]) =>
          run(process.execPath, [
            '--import',
            'tsx',
            'scripts/verify-receipt.ts',
            join(dir, file),
            '--ca',
            join(dir, 'ca.pem'),
            ...more,
          ]).then(
            (r) => ({ code: 0, out: r.stdout }),
            (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
          );
        const good = await cli('good.json');
        expect(good.code, good.out).toBe(0);
        expect(good.out).toContain('回单真实有效');
        expect(good.out).toContain('¥12,345.67 (壹万贰仟叁佰肆拾伍元陆角柒分)');
        const bad = await cli('bad.json', '--lang', 'en');
        expect(bad.code).toBe(1);
        expect(bad.out).toContain('Amount: ¥12,345.68');
        expect(bad.out).toContain('Not as the bank issued it: Amount');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
