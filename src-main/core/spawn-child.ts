// Starts SettleKey's helper processes as Node child processes (the browser
// shell's way; Electron uses utilityProcess): the settlement service, the
// token host and the demo's market simulator. From source they run under tsx; from the bundle, the bundled
// files beside this one.
import { fork } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { HostSpawner } from '../token/host-client';
import type { HostMessage } from '../../src-token/protocol';
import type { ServiceSpawner } from './embedded-service';

const SOURCES = {
  service: ['src-service', 'commands', 'service', 'cli.ts'],
  tokenHost: ['src-main', 'token', 'host.ts'],
  marketSim: ['src-market-sim', 'market-sim.ts'],
} as const;
const BUNDLES = {
  service: ['service', 'cli.cjs'],
  tokenHost: ['token', 'host.cjs'],
  marketSim: ['market-sim', 'market-sim.cjs'],
} as const;

export function entryOf(kind: keyof typeof SOURCES): { file: string; execArgv: string[] } {
  if (__filename.endsWith('.ts')) {
    return { file: join(__dirname, '..', '..', ...SOURCES[kind]), execArgv: ['--import', 'tsx'] };
  }
  const bundled = join(__dirname, '..', ...BUNDLES[kind]);
  if (!existsSync(bundled)) throw new Error(`the bundled ${kind} is missing: ${bundled}`);
  return { file: bundled, execArgv: [] };
}

/** The settlement service, or the demo's market simulator, as a child process logging to `logFile`. */
export function childProcessSpawner(logFile: string, kind: 'service' | 'marketSim' = 'service'): ServiceSpawner {
  return (args) => {
    const entry = entryOf(kind);
    const log = openSync(logFile, 'a', 0o600);
    const child = fork(entry.file, args, {
      execArgv: entry.execArgv,
      stdio: ['ignore', log, log, 'ipc'],
      env: process.env,
    });
    return {
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void child.on('exit', (code) => listener(code)),
      kill: () => void child.kill('SIGTERM'),
    };
  };
}

/** The token host as a child process; `env` carries e.g. SOFTHSM2_CONF of the demo tokens. */
export function childTokenHostSpawner(logFile: string, env: () => NodeJS.ProcessEnv = () => process.env): HostSpawner {
  return () => {
    const entry = entryOf('tokenHost');
    const log = openSync(logFile, 'a', 0o600);
    const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', log, log, 'ipc'], env: env() });
    return {
      pid: child.pid,
      send: (message) => void child.send(message as object),
      onMessage: (listener) => void child.on('message', (m) => listener(m as HostMessage)),
      onExit: (listener) => void child.on('exit', (code) => listener(code)),
      kill: () => void child.kill('SIGKILL'),
    };
  };
}
