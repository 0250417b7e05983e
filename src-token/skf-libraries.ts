// Where USB-KEY middleware usually installs its SKF (GM/T 0016) library, per
// OS — the same idea as module-paths.ts for PKCS#11. Vendors rename their
// files by bank and version; these are the common install paths, and a user
// adds the path of theirs in Settings ("my token is not found").
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KnownModule } from './module-paths';

const LINUX: KnownModule[] = [
  // 龙脉 GM3000 on UOS (统信) and Kylin (麒麟): the user tool's own lib folder.
  { vendor: 'Longmai mToken GM3000 (龙脉)', path: '/opt/apps/com.longmai.gm3000user/files/lib/libgm3000.1.0.so' },
  { vendor: 'Longmai mToken GM3000 (龙脉)', path: '/opt/lm-gm3000user/lib/libgm3000.1.0.so' },
  { vendor: 'Longmai mToken GM3000 (龙脉)', path: '/usr/lib/libgm3000.1.0.so' },
  { vendor: 'Feitian ePass3000GM (飞天诚信)', path: '/usr/lib/libes_3000gm.so' },
  { vendor: 'Haitai (海泰方圆)', path: '/usr/lib/libhtskf.so' },
  { vendor: 'Watchdata (握奇)', path: '/usr/lib/libwdskf.so' },
];

const MAC: KnownModule[] = [
  { vendor: 'Longmai mToken GM3000 (龙脉)', path: '/usr/local/lib/libgm3000.1.0.dylib' },
  { vendor: 'Feitian ePass3000GM (飞天诚信)', path: '/usr/local/lib/libes_3000gm.dylib' },
];

const WINDOWS: KnownModule[] = [
  { vendor: 'Longmai mToken GM3000 (龙脉)', path: 'C:\\Windows\\System32\\mtoken_gm3000.dll' },
  { vendor: 'Feitian ePass3000GM (飞天诚信)', path: 'C:\\Windows\\System32\\ShuttleCsp11_3000GM.dll' },
  { vendor: 'Haitai (海泰方圆)', path: 'C:\\Windows\\System32\\HaitaiSKF.dll' },
  { vendor: 'Watchdata (握奇)', path: 'C:\\Windows\\System32\\WDSKF.dll' },
];

/** SettleKey's SKF simulator as built in this checkout (scripts/setup.sh ensure_skf_soft). */
export const SKF_SIMULATOR_VENDOR = 'SettleKey SKF simulator (模拟器)';

/**
 * The simulator's library: SETTLEKEY_SKF_SOFT_LIBRARY, else the checkout's
 * build (from source, tests, the demo), else null — a bank's desktop has none.
 */
export function skfSimulatorLibrary(env: NodeJS.ProcessEnv = process.env, root = repoRoot()): string | null {
  const named = env.SETTLEKEY_SKF_SOFT_LIBRARY?.trim();
  if (named) return named;
  if (!root) return null;
  const built = join(root, 'native', 'skf-soft', 'build', 'libsettlekey-skf-soft.so');
  return existsSync(built) ? built : null;
}

/** The checkout this code runs from (source or a dist/ bundle beside it); null in a packaged app. */
function repoRoot(): string | null {
  for (let dir = __dirname, i = 0; i < 4; i++, dir = join(dir, '..')) {
    if (existsSync(join(dir, 'native', 'skf-soft', 'Makefile'))) return dir;
  }
  return null;
}

export function knownSkfLibraries(platform: NodeJS.Platform = process.platform): KnownModule[] {
  if (platform === 'win32') return WINDOWS;
  if (platform === 'darwin') return MAC;
  return LINUX;
}
