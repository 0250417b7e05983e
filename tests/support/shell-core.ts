// A real browser-shell host over a real main-process core, whose embedded
// settlement service is a real child process (from source, under tsx).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MainCore } from '../../src-main/core/main-core';
import { fileKeyProvider } from '../../src-main/core/session-cache';
import { Downloads } from '../../src-main/shell/downloads';
import { childProcessSpawner, childTokenHostSpawner } from '../../src-main/core/spawn-child';
import { startShell, type RunningShell } from '../../src-main/shell/host';

export interface ShellUnderTest {
  shell: RunningShell;
  core: MainCore;
  dir: string;
  close(): Promise<void>;
}

export async function startShellUnderTest(): Promise<ShellUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-shell-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(
    join(rendererDir, 'index.html'),
    '<!doctype html><html><head><script type="module" src="./assets/app.js"></script></head><body></body></html>',
  );
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("app")');
  const userDataDir = join(dir, 'user');
  const core = new MainCore({
    userDataDir,
    version: 'test',
    demo: true,
    spawnService: childProcessSpawner(join(dir, 'service.log')),
    spawnTokenHost: childTokenHostSpawner(join(dir, 'token-host.log')),
    cacheKeys: fileKeyProvider,
    files: new Downloads(),
  });
  const shell = await startShell({ core, rendererDir, testMode: true });
  return {
    shell,
    core,
    dir,
    async close() {
      await shell.close();
      core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
