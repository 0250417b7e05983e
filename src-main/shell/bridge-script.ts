// The browser shell's stand-in for Electron's preload: a script, served by the
// host, that puts the same `window.settlekey` object on the page. Its methods
// POST to the host (same origin, the launch cookie, a custom header that a
// foreign page cannot send without a refused CORS preflight).
import { IPC_METHODS } from '../../src-shared/ipc/contract';

export const BRIDGE_HEADER = 'x-settlekey-bridge';

export function bridgeScript(): string {
  return `(() => {
  'use strict';
  const methods = ${JSON.stringify(IPC_METHODS)};
  const post = (path, body) => fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', '${BRIDGE_HEADER}': '1' },
    body: JSON.stringify(body),
  });
  const call = async (method, arg) => {
    try {
      const res = await post('/ipc/' + encodeURIComponent(method), { arg });
      return await res.json();
    } catch (e) {
      return { ok: false, error: { code: 'SERVICE_UNAVAILABLE', message: String(e), params: { url: location.origin, reason: String(e) } } };
    }
  };
  const listeners = new Map();
  let streaming = false;
  const stream = async () => {
    if (streaming) return;
    streaming = true;
    for (;;) {
      try {
        const res = await post('/ipc-events', {});
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let nl;
          while ((nl = buffer.indexOf('\\n')) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (!line) continue;
            const { event, payload } = JSON.parse(line);
            for (const l of listeners.get(event) ?? []) l(payload);
          }
        }
      } catch (e) { /* host restarting: try again */ }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const api = {};
  for (const m of methods) api[m] = (arg) => call(m, arg);
  api.on = (event, listener) => {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event).add(listener);
    void stream();
    return () => listeners.get(event).delete(listener);
  };
  Object.defineProperty(window, 'settlekey', { value: Object.freeze(api), writable: false, configurable: false });
})();
`;
}
