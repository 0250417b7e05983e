// Electron Forge: Vite builds main, preload, token host, embedded service and
// renderer; the native modules the bundles leave external are copied into the
// package and unpacked from asar (electron/forge#3738); fuses lock the binary down.
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const NATIVE_EXTERNALS = ['better-sqlite3', 'pkcs11js', 'svg-captcha', 'koffi'];

/** The external modules and everything they require, by package folder. */
function dependencyClosure(roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const manifest = join(__dirname, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) return;
    seen.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  };
  roots.forEach(visit);
  return [...seen];
}

const config: ForgeConfig = {
  packagerConfig: {
    name: 'SettleKey',
    executableName: 'settlekey',
    asar: { unpack: '**/*.{node,so,dll,dylib}' },
    extraResource: ['resources'],
    // Markets' registration links: settlekey://register?market=CODE (macOS Info.plist).
    protocols: [{ name: 'SettleKey', schemes: ['settlekey'] }],
  },
  rebuildConfig: { onlyModules: ['better-sqlite3', 'pkcs11js'] },
  hooks: {
    packageAfterCopy: async (_config, buildPath) => {
      for (const name of dependencyClosure(NATIVE_EXTERNALS)) {
        const to = join(buildPath, 'node_modules', name);
        cpSync(join(__dirname, 'node_modules', name), to, { recursive: true, dereference: true });
        if (!existsSync(dirname(to))) throw new Error(`could not copy ${name}`);
      }
    },
  },
  makers: [
    new MakerSquirrel({}),
    new MakerZIP({}, ['darwin']),
    new MakerDeb({ options: { mimeType: ['x-scheme-handler/settlekey'] } }),
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'src-main/electron/main.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src-main/electron/preload.ts', config: 'vite.preload.config.mts', target: 'preload' },
        { entry: 'src-main/token/host.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src-service/commands/service/cli.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src-market-sim/market-sim.ts', config: 'vite.main.config.mts', target: 'main' },
        // The service's HSM worker thread, loaded from beside cli.js.
        { entry: 'src-service/bank-keys/hsm-worker.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src-service/certificates/sm2-verify-worker.ts', config: 'vite.main.config.mts', target: 'main' },
      ],
      renderer: [{ name: 'main_window', config: 'vite.renderer.config.mts' }],
    }),
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    }),
  ],
};

export default config;
