// How many bytes of a request body were read. A body sent without
// Content-Length (chunked) is refused as too large only once more than the
// limit has arrived; its refusal reports what was read, not a header it lacks.
import { Transform } from 'node:stream';
import type { FastifyRequest, preParsingHookHandler } from 'fastify';

const bytesRead = new WeakMap<FastifyRequest, number>();

/** A route's preParsing hook that counts the body's bytes as the parser reads them. */
export const countBodyBytes: preParsingHookHandler = (request, _reply, payload, done) => {
  bytesRead.set(request, 0);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      bytesRead.set(request, (bytesRead.get(request) ?? 0) + chunk.length);
      next(null, chunk);
    },
  });
  payload.on('error', (error) => counter.destroy(error));
  done(null, payload.pipe(counter));
};

/** The body's size: its Content-Length, or (chunked) the bytes read before it was refused. */
export function bodySize(request: FastifyRequest): { bytes: number; complete: boolean } {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > 0) return { bytes: declared, complete: true };
  return { bytes: bytesRead.get(request) ?? 0, complete: false };
}
