// A worker thread that checks SM2 signatures. sm-crypto-v2 is plain
// JavaScript (about 1.3 ms of a thread per check with a precomputed key): on
// the event loop that serves every request it would stall them all.
import { parentPort } from 'node:worker_threads';
import { fromHex, pointFromUncompressed, prepareSm2Key, verifySm2, type PreparedSm2Key } from '../../src-token/sm2';
import type { Sm2VerifyReply, Sm2VerifyRequest } from './sm2-verify';

/** Precomputed keys by their point: one per certificate that signs often. */
const prepared = new Map<string, PreparedSm2Key>();

function keyFor(point: string): PreparedSm2Key {
  let key = prepared.get(point);
  if (!key) {
    key = prepareSm2Key(pointFromUncompressed(fromHex(point)));
    if (prepared.size >= 10_000) prepared.clear();
    prepared.set(point, key);
  }
  return key;
}

parentPort?.on('message', (request: Sm2VerifyRequest) => {
  let ok = false;
  try {
    ok = verifySm2(keyFor(request.point), request.message, request.signature);
  } catch {
    ok = false; // not a point on the curve: not this key's signature
  }
  parentPort!.postMessage({ id: request.id, ok } satisfies Sm2VerifyReply);
});
