// Waiting for what the token host reports: its status events, as the app sees them.
import type { TokenHostClient } from '../../src-main/token/host-client';
import type { TokenStatus } from '../../src-shared/token';

/** The first status event for which `predicate` gives a value, and how long after the call it came. */
export function waitFor<T>(
  client: TokenHostClient,
  predicate: (s: TokenStatus) => T | undefined,
  ms: number,
): Promise<{ value: T; after: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('status', listener);
      reject(new Error(`not seen within ${ms} ms`));
    }, ms);
    const listener = (status: TokenStatus) => {
      const value = predicate(status);
      if (value !== undefined && value !== false) {
        clearTimeout(timer);
        client.off('status', listener);
        resolve({ value, after: Date.now() - started });
      }
    };
    client.on('status', listener);
  });
}
