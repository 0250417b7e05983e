// Bundles the Node-side entry points (settlement service, browser shell, CLIs)
// into dist/ with esbuild. Dependencies stay in node_modules; NODE_ENV is fixed
// to "production", so the test-mode hooks are compiled out of these bundles.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';

const entries = {
  'service/cli': 'src-service/cli.ts',
  'shell/main': 'src-main/shell/main.ts',
  'token/host': 'src-main/token/host.ts',
};

await build({
  entryPoints: entries,
  outdir: 'dist',
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
mkdirSync('dist', { recursive: true });
writeFileSync('dist/.node-build', new Date().toISOString());
console.log(`bundled ${Object.keys(entries).length} Node entry points into dist/`);
