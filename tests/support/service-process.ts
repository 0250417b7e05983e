// The settlement service as a process of its own (its command line from
// source, or a bundle), resolved once it says where it listens.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
}

/** `entry`: node's arguments before the service's own (['--import', 'tsx', 'src-service/commands/service/cli.ts'], or a bundle). */
export function startServiceProcess(entry: string[], args: string[], env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...entry, '--port', '0', '--log-level', 'error', ...args], {
    env: { ...process.env, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (https?:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => reject(new Error(`service exited (${code}) before it was ready:\n${out}`)));
  });
}

export const SERVICE_FROM_SOURCE = ['--import', 'tsx', 'src-service/commands/service/cli.ts'];
