// Bundles the Node-side entry points (settlement service, browser shell, CLIs)
// into dist/ with esbuild, their dependencies with them: Node then reads one
// file where it resolved, read and compiled hundreds (Kysely alone is some 300
// modules), which was most of the embedded service's start — the start a login
// page waits for. What cannot be bundled stays in node_modules (EXTERNAL).
// NODE_ENV is fixed to "production", so the test-mode hooks are compiled out.
// `--outdir DIR` bundles elsewhere (a test checks what a production bundle serves).
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
const outdir = values.outdir;

const entries = {
  'service/cli': 'src-service/commands/service/cli.ts',
  // The bank's HSM runs in a worker thread of the service, loaded from beside its bundle.
  'service/hsm-worker': 'src-service/bank-keys/hsm-worker.ts',
  // SM2 signature checks run on worker threads loaded the same way.
  'service/sm2-verify-worker': 'src-service/certificates/sm2-verify-worker.ts',
  'shell/main': 'src-main/shell/main.ts',
  'token/host': 'src-main/token/host.ts',
  // The demo's market simulator, which the embedded default starts beside its service.
  'market-sim/market-sim': 'src-market-sim/market-sim.ts',
};

/**
 * Native addons; packages that read files beside their own code (svg-captcha's
 * font, swagger's YAML, pino's worker transports); and what loads only on a
 * rare path (ExcelJS for an export).
 */
const EXTERNAL = [
  'better-sqlite3',
  'pkcs11js',
  'koffi',
  'pg-native',
  'svg-captcha',
  '@fastify/swagger',
  'yaml',
  'pino',
  'thread-stream',
  'pino-pretty',
  'exceljs',
];

await build({
  entryPoints: entries,
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: EXTERNAL,
  sourcemap: 'linked',
  minifySyntax: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, '.node-build'), new Date().toISOString());
console.log(`bundled ${Object.keys(entries).length} Node entry points into ${outdir}/`);
