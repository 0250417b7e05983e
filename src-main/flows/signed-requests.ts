// Requests the main process signs on the USB-KEY for the user: the certificate
// test and an administrator's operation on a user. The service names what is
// signed; the renderer only chooses the certificate and gives the PIN.
import { desktopRoutes as routes } from '../../src-shared/routes';
import type { FlowDeps, Handlers } from '../core/handler-types';
import { serviceTime, signChallenge, signPayloads } from './signer';

export function signedRequestFlows(deps: FlowDeps): Pick<Handlers, 'certificates.test' | 'ebank.userOperation'> {
  const { client } = deps;
  return {
    'certificates.test': async ({ sign }) => {
      const receivedAt = Date.now();
      const challenge = await client.route(routes['certificates.challenge'], { purpose: 'certificateTest' });
      const session = await client.route(routes['auth.session']);
      const note = 'SettleKey certificate test / 证书测试';
      const [signature] = await signPayloads(deps.tokens, sign, [
        {
          kind: 'certificateTest',
          loginName: session.profile.loginName,
          certSerial: sign.certSerial,
          note,
          challenge: challenge.challenge,
          time: serviceTime(challenge.issuedAt, receivedAt),
        },
      ]);
      return client.route(routes['certificates.testSignature'], { note, signature });
    },

    'ebank.userOperation': async ({ userId, operation, sign }) => {
      const receivedAt = Date.now();
      const preview = await client.route(routes['ebank.userOperationPreview'], { userId, body: { operation } });
      const signature = await signChallenge(deps.tokens, sign, 'adminOperation', preview, receivedAt);
      return client.route(routes['ebank.userOperation'], { userId, body: { operation, signature } });
    },
  };
}
