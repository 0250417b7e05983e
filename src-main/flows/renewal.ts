// 证书更新 on the user's own token: a new key made beside the old one, its
// request signed in the token; the expiring certificate's signature over that
// request authorises the renewal; the new certificate is written to the token
// and signed off by its own key, and the service revokes the old one. One PIN
// entry for the whole: it is used for these calls and dropped, as for any
// signature.
import { AppError } from '../../src-shared/errors';
import { desktopRoutes as routes } from '../../src-shared/routes';
import { csrDigest } from '../../src-token/csr-digest';
import type { FlowDeps, Handlers } from '../core/handler-types';
import { payloadOf, signPayloads } from './signer';

/** The new key's label: the holder's name and the day, so the two keys on the token are told apart. */
function renewalLabel(loginName: string, now: Date): string {
  return `${loginName} ${now.toISOString().slice(0, 10)}`.slice(0, 64);
}

export function renewalFlows(deps: FlowDeps): Pick<Handlers, 'certificates.renew'> {
  const { client } = deps;
  return {
    'certificates.renew': async ({ sign }) => {
      const old = (await deps.tokens.request('certificates', { slotId: sign.slotId })).find(
        (c) => c.keyId === sign.keyId && c.serial === sign.certSerial,
      );
      if (!old) throw new AppError('TOKEN_KEY_NOT_FOUND', { keyId: sign.keyId });
      const made = await deps.tokens.request('provision', {
        slotId: sign.slotId,
        userPin: sign.pin,
        keyType: old.keyType,
        subject: { commonName: old.subjectCommonName, organization: old.subjectOrganization },
        keyLabel: renewalLabel(old.subjectCommonName, new Date()),
      });

      let receivedAt = Date.now();
      const renewal = await client.route(routes['certificates.challenge'], { purpose: 'renewal' });
      const fields = { loginName: old.subjectCommonName, certSerial: old.serial, csrDigest: csrDigest(made.csrPem) };
      const [authorised] = await signPayloads(deps.tokens, sign, [
        payloadOf('renewal', { challenge: renewal.challenge, issuedAt: renewal.issuedAt, fields }, receivedAt),
      ]);
      const renewed = await client.route(routes['certificates.renew'], { csrPem: made.csrPem, signature: authorised });
      await deps.tokens.request('writeCertificate', {
        slotId: made.slotId,
        keyId: made.keyId,
        pin: sign.pin,
        certDer: renewed.certificateDer,
        label: old.subjectCommonName,
      });

      receivedAt = Date.now();
      const signOff = await client.route(routes['certificates.challenge'], { purpose: 'renewalSignOff' });
      const newKey = { ...sign, keyId: made.keyId, certSerial: renewed.serial };
      const [signedOff] = await signPayloads(deps.tokens, newKey, [
        payloadOf(
          'signOff',
          {
            challenge: signOff.challenge,
            issuedAt: signOff.issuedAt,
            fields: { loginName: old.subjectCommonName, certSerial: renewed.serial },
          },
          receivedAt,
        ),
      ]);
      return client.route(routes['certificates.renewalSignOff'], { signature: signedOff });
    },
  };
}
