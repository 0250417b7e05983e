// Bundles the Node-side entry points (settlement service, browser shell, CLIs)
// into dist/ with esbuild. Dependencies stay in node_modules; NODE_ENV is fixed
// to "production", so the test-mode hooks are compiled out of these bundles.
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
  'shell/main': 'src-main/shell/main.ts',
  'token/host': 'src-main/token/host.ts',
};

await build({
  entryPoints: entries,
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'linked',
  minifySyntax: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, '.node-build'), new Date().toISOString());
console.log(`bundled ${Object.keys(entries).length} Node entry points into ${outdir}/`);
