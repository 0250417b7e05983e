// WebCrypto for @peculiar/x509 with the one signature made elsewhere — a
// USB-KEY, the bank's HSM, a key file: the generator builds and encodes
// certificates and requests, `signRaw` signs their bytes where the key lives.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

export type X509Crypto = Parameters<typeof x509.X509CertificateGenerator.create>[1] & object;

type BufferSource = ArrayBuffer | ArrayBufferView;

/** A WebCrypto whose `sign` is `signRaw`; everything else is Node's. */
export function signingProvider(signRaw: (data: Buffer) => Promise<Buffer>): X509Crypto {
  const subtle = webcrypto.subtle;
  return {
    getRandomValues: webcrypto.getRandomValues.bind(webcrypto),
    randomUUID: webcrypto.randomUUID.bind(webcrypto),
    subtle: new Proxy(subtle, {
      get(target, prop) {
        if (prop === 'sign') {
          return async (_algorithm: unknown, _key: unknown, data: BufferSource) => {
            const view = ArrayBuffer.isView(data)
              ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
              : Buffer.from(data);
            const signature = await signRaw(view);
            return signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }),
  } as unknown as X509Crypto;
}
