// Builds the Electron app into Forge's layout (.vite/build, .vite/renderer)
// without Forge, for the Electron end-to-end test on a machine that has the
// Electron binary. `npm run start:electron` / `npm run package` use Forge itself.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  external: ['electron'],
  outdir: '.vite/build',
  define: {
    MAIN_WINDOW_VITE_DEV_SERVER_URL: 'undefined',
    MAIN_WINDOW_VITE_NAME: '"main_window"',
    'process.env.NODE_ENV': JSON.stringify(process.env.NODE_ENV ?? 'production'),
  },
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: {
    main: 'src-main/electron/main.ts',
    host: 'src-main/token/host.ts',
    cli: 'src-service/commands/service/cli.ts',
    'hsm-worker': 'src-service/bank-keys/hsm-worker.ts',
  },
});
// The sandboxed preload may require only 'electron': bundle everything else into it.
await build({ ...common, packages: undefined, entryPoints: { preload: 'src-main/electron/preload.ts' } });
execFileSync(
  'npx',
  [
    'vite',
    'build',
    '--config',
    'vite.renderer.config.mts',
    '--outDir',
    '../.vite/renderer/main_window',
    '--emptyOutDir',
    '--logLevel',
    'warn',
  ],
  { stdio: 'inherit' },
);
console.log('Electron app built into .vite/');
