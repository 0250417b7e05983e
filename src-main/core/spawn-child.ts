// Starts the settlement service as a Node child process (the browser shell's way;
// Electron uses a utilityProcess). From source it runs under tsx; from the
// bundle, the bundled service beside this file.
import { fork } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceSpawner } from './embedded-service';

export function serviceEntry(): { file: string; execArgv: string[] } {
  if (__filename.endsWith('.ts')) {
    return { file: join(__dirname, '..', '..', 'src-service', 'cli.ts'), execArgv: ['--import', 'tsx'] };
  }
  const bundled = join(__dirname, '..', 'service', 'cli.cjs');
  if (!existsSync(bundled)) throw new Error(`the bundled settlement service is missing: ${bundled}`);
  return { file: bundled, execArgv: [] };
}

export function childProcessSpawner(logFile: string): ServiceSpawner {
  return (args) => {
    const entry = serviceEntry();
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
