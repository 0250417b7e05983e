// `npm run service -- [--db PATH|postgres://…] [--host 127.0.0.1] [--port 8480] [--demo [--demo-market-sim DIR]]`
// `npm run service -- verify-audit [--db …]`: checks the audit chain and the ledger.
// `npm run service -- migrate --db <owner's URL> [--grant ROLE]`: the schema's owner runs the
// migrations and grants the service's role what it may do (store/roles.ts); the service then
// starts with --migrations-by-owner, connected as that role.
// `npm run service -- tls-certificate --db … --csr server.csr --name HOST [--name …] --out server.pem
// [--ca-out bank-ca.pem] [--days N]`: the bank CA (its key in the HSM) issues the TLS server
// certificate the desktops are shown; --ca-out writes the CA certificate they pin.
// Without --demo it starts only with the bank's HSM in its environment: SETTLEKEY_HSM_MODULE,
// SETTLEKEY_HSM_TOKEN and SETTLEKEY_HSM_PIN or SETTLEKEY_HSM_PIN_FILE (never a PIN on the command line).
// When started by the client as its embedded service it tells its parent the URL
// (a message on the IPC channel, or the parentPort of an Electron utility process).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AppError, errorMessage } from '../../../src-shared/errors';
import { verifyAudit } from '../../audit/verify';
import { issueServerCertificate } from '../../certificates/server-tls';
import { createContext } from '../../context';
import { SERVICE_VERSION, startService } from '../../server';
import { openStore } from '../../store/db';
import { migrateToLatest } from '../../store/migrations';
import { grantServiceRole, requireMigrated } from '../../store/roles';

interface ParentPort {
  postMessage(message: unknown): void;
}

function announce(url: string): void {
  const message = { type: 'settlekey-service-ready', url };
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) parentPort.postMessage(message);
  else if (process.send) process.send(message);
  // A line on stdout as well, for a person or a script that started it by hand.
  process.stdout.write(`SettleKey settlement service listening on ${url}\n`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      db: { type: 'string', default: process.env.SETTLEKEY_DB ?? 'settlekey.sqlite' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: process.env.SETTLEKEY_PORT ?? '8480' },
      demo: { type: 'boolean', default: false },
      'demo-market-sim': { type: 'string' },
      'log-level': { type: 'string', default: process.env.SETTLEKEY_LOG ?? 'info' },
      'migrations-by-owner': { type: 'boolean', default: false },
      grant: { type: 'string' },
      csr: { type: 'string' },
      name: { type: 'string', multiple: true },
      out: { type: 'string' },
      'ca-out': { type: 'string' },
      days: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals[0] === 'verify-audit') {
    const store = openStore(values.db);
    try {
      await migrateToLatest(store);
      const report = await verifyAudit(store.db);
      process.stdout.write(
        `${store.describe}: ${report.auditRecords} audit records, ${report.journalEntries} journal entries, ${report.accounts} accounts\n`,
      );
      for (const b of report.breaks) process.stdout.write(`BREAK: ${b}\n`);
      process.stdout.write(
        report.breaks.length === 0 ? 'verify-audit: OK\n' : `verify-audit: ${report.breaks.length} break(s)\n`,
      );
      process.exitCode = report.breaks.length === 0 ? 0 : 1;
    } finally {
      await store.close();
    }
    return;
  }
  if (positionals[0] === 'migrate') {
    const store = openStore(values.db);
    try {
      const ran = await migrateToLatest(store);
      process.stdout.write(
        `${store.describe}: ${ran.length} migration(s) run${ran.length ? `: ${ran.join(', ')}` : ''}\n`,
      );
      if (values.grant) {
        await grantServiceRole(store, values.grant);
        process.stdout.write(
          `granted ${values.grant}: rows read and written, journal and audit log append-only, no DDL\n`,
        );
      }
    } finally {
      await store.close();
    }
    return;
  }
  if (positionals[0] === 'tls-certificate') {
    if (!values.csr || !values.out) throw new Error('tls-certificate needs --csr FILE and --out FILE');
    const store = openStore(values.db);
    const ctx = createContext(store, {
      demo: false,
      testMode: false,
      version: SERVICE_VERSION,
      keys: { demo: 'as-recorded' },
    });
    try {
      await requireMigrated(store);
      const pem = await issueServerCertificate(ctx, {
        csrPem: readFileSync(values.csr, 'utf8'),
        names: values.name ?? [],
        validityDays: values.days === undefined ? undefined : Number(values.days),
      });
      writeFileSync(values.out, pem);
      if (values['ca-out']) writeFileSync(values['ca-out'], (await ctx.bankKeys.caCertificate()).toString('pem'));
      process.stdout.write(`issued by the bank CA: ${values.out} for ${(values.name ?? []).join(', ')}\n`);
    } finally {
      await ctx.bankKeys.close();
      await store.close();
    }
    return;
  }
  if (positionals.length > 0) throw new Error(`unknown command: ${positionals[0]}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0–65535, got ${values.port}`);
  const starting = startService({
    database: values.db,
    host: values.host,
    port,
    demo: values.demo,
    demoMarketSim: values['demo-market-sim'],
    migrate: !values['migrations-by-owner'],
    logLevel: values['log-level'],
    onListening: announce,
  });
  // A demo listens before its keys are open: a stop asked for meanwhile waits
  // for the start to finish (keys made on the token are recorded), then closes.
  // A start that fails ends the process with its error (below), stop or not.
  const stop = () => {
    void starting.then(
      (service) => service.close().finally(() => process.exit(0)),
      () => undefined,
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // An embedded service dies with the client that started it.
  process.on('disconnect', stop);
  await starting;
}

main().catch((error: unknown) => {
  // A refusal the operator must act on (the bank's keys, a setting) is said in both languages, without a stack.
  const detail =
    error instanceof AppError
      ? `${errorMessage(error.code, 'zh-CN', error.params)}\n${error.message}`
      : error instanceof Error
        ? error.stack
        : String(error);
  process.stderr.write(`settlement service failed to start: ${detail}\n`);
  process.exit(1);
});
