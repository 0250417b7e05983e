// The service's SM2 signature checks, on a small pool of worker threads (the
// arithmetic is JavaScript; RSA and ECDSA checks use node:crypto on libuv's
// pool instead). Workers start at the first SM2 signature and are unref'd
// while idle, so a tool that never meets one never pays for them.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/start-worker';

export interface Sm2VerifyRequest {
  id: number;
  /** The uncompressed public point, hex (04‖x‖y). */
  point: string;
  message: Uint8Array;
  /** r‖s, 64 bytes. */
  signature: Uint8Array;
}

export interface Sm2VerifyReply {
  id: number;
  ok: boolean;
}

interface Slot {
  worker: Worker;
  waiting: number;
}

/** One less than the cores, at least one, at most four: the event loop keeps a core. */
const POOL_SIZE = Math.max(1, Math.min(4, availableParallelism() - 1));

class Sm2VerifyPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { slot: Slot; resolve(ok: boolean): void; reject(e: Error): void }>();

  private start(): Slot {
    const slot: Slot = { worker: startWorker(__dirname, 'sm2-verify-worker'), waiting: 0 };
    slot.worker.unref();
    slot.worker.on('message', (reply: Sm2VerifyReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      this.release(slot);
      waiting.resolve(reply.ok);
    });
    const fail = (error: Error) => {
      this.slots = this.slots.filter((s) => s !== slot);
      for (const [id, waiting] of this.pending) {
        if (waiting.slot !== slot) continue;
        this.pending.delete(id);
        waiting.reject(error);
      }
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', () => fail(new Error('an SM2 verification worker exited')));
    this.slots.push(slot);
    return slot;
  }

  private release(slot: Slot): void {
    slot.waiting -= 1;
    if (slot.waiting === 0) slot.worker.unref();
  }

  /** The least busy worker, or a new one while the pool is not full. */
  private pick(): Slot {
    const idle = this.slots.find((s) => s.waiting === 0);
    if (idle) return idle;
    if (this.slots.length < POOL_SIZE) return this.start();
    return this.slots.reduce((a, b) => (b.waiting < a.waiting ? b : a));
  }

  verify(point: string, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const slot = this.pick();
    const id = this.nextId++;
    if (slot.waiting === 0) slot.worker.ref();
    slot.waiting += 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { slot, resolve, reject });
      slot.worker.postMessage({ id, point, message, signature } satisfies Sm2VerifyRequest);
    });
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

export const sm2Verifier = new Sm2VerifyPool();
