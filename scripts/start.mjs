// `npm start`: Electron when its binary is installed; otherwise one line saying
// so and the browser shell, built first when the sources are newer than dist/.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const forceShell = args.includes('--shell');
const passThrough = args.filter((a) => a !== '--shell');

function electronBinary() {
  try {
    const path = require('electron'); // throws when the binary was never downloaded
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function stale(stamp, sources) {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return sources.some((s) => existsSync(s) && (statSync(s).isDirectory() ? newest(s) : statSync(s).mtimeMs) > built);
}

if (!forceShell && electronBinary()) {
  const child = spawn('npx', ['electron-forge', 'start', '--', ...passThrough], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  if (!forceShell) {
    console.log(
      'Electron binary not installed (its download is blocked here; `node node_modules/electron/install.js` fetches it) — starting the browser shell instead.',
    );
  }
  const run = (script) => execFileSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
  if (stale('dist/renderer/index.html', ['src-renderer', 'src-shared', 'package-lock.json'])) run('build:renderer');
  if (stale('dist/.node-build', ['src-main', 'src-service', 'src-shared', 'src-token', 'package-lock.json']))
    run('build:node');
  const child = spawn(process.execPath, ['dist/shell/main.cjs', ...passThrough], { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
