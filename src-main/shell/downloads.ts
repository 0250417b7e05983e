// The browser shell's way to hand files to the user: a one-time download URL
// on the shell itself (guarded by the launch secret like everything else), and
// the browser's own print dialog for receipts.
import { randomBytes } from 'node:crypto';
import type { SavedFile } from '../../src-shared/ipc/contract';
import type { FileSaver } from '../core/main-core';

interface Pending {
  filename: string;
  mime: string;
  data: Buffer;
  expires: number;
}

const TTL_MS = 10 * 60_000;

export class Downloads implements FileSaver {
  private readonly pending = new Map<string, Pending>();

  async save(filename: string, mime: string, data: Buffer): Promise<SavedFile> {
    const now = Date.now();
    for (const [token, p] of this.pending) if (p.expires < now) this.pending.delete(token);
    const token = randomBytes(16).toString('hex');
    this.pending.set(token, { filename, mime, data, expires: now + TTL_MS });
    return { downloadUrl: `/downloads/${token}`, filename };
  }

  async print(): Promise<{ browserPrint: true }> {
    return { browserPrint: true };
  }

  /** Hands the file out once. */
  take(token: string): Pending | undefined {
    const p = this.pending.get(token);
    this.pending.delete(token);
    return p && p.expires >= Date.now() ? p : undefined;
  }
}
