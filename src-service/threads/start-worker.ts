// Starts one of the service's worker threads from source (tsx, vitest: the
// worker compiles its TypeScript with tsx as well) or from beside the bundle
// (dist/service/<name>.cjs, or .vite/build/<name>.js in Electron).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** `sourceDir` is the folder of the worker's .ts file; `name` its file name without extension. */
export function startWorker(sourceDir: string, name: string): Worker {
  if (__filename.endsWith('.ts')) {
    const tsx = createRequire(__filename).resolve('tsx/cjs');
    const entry = join(sourceDir, `${name}.ts`);
    return new Worker(`require(${JSON.stringify(tsx)});\nrequire(${JSON.stringify(entry)});`, { eval: true });
  }
  const bundled = [`${name}.cjs`, `${name}.js`].map((file) => join(__dirname, file)).find((f) => existsSync(f));
  if (!bundled) throw new Error(`the bundled ${name} is missing beside ${__dirname}`);
  return new Worker(bundled);
}
