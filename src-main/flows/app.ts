// What the desktop says about itself, its settings, and the token host's view
// of the USB-KEYs: answered by the main process, not the service.
import { AppError, errorMessage } from '../../src-shared/errors';
import { fieldLabel } from '../../src-shared/fields';
import type { Settings } from '../../src-shared/ipc/settings';
import { desktopRoutes as routes } from '../../src-shared/routes';
import type { FlowDeps, Handlers } from '../core/handler-types';

type AppMethod =
  | 'app.info'
  | 'settings.get'
  | 'settings.update'
  | 'token.status'
  | 'token.certificates'
  | 'token.changePin'
  | 'token.lock'
  | 'token.testLibrary';

export function appFlows(deps: FlowDeps): Pick<Handlers, AppMethod> {
  const { client, cache } = deps;
  return {
    'app.info': async () => ({
      version: deps.version,
      demo: deps.demo,
      serviceMode: cache.getSettings().serviceMode,
      serviceUrl: await client.currentUrl().catch(() => ''),
      lastLoginName: cache.lastLoginName(),
    }),

    'settings.get': async () => cache.getSettings(),

    'settings.update': async (patch) => {
      const before = cache.getSettings();
      const next: Settings = { ...before, ...patch };
      if (next.serviceMode === 'remote' && next.remoteUrl === '') {
        const message = errorMessage('RULE_REQUIRED', deps.language(), {
          field: fieldLabel('remoteUrl', deps.language()),
        });
        throw new AppError('VALIDATION', { detail: message }, [{ field: 'remoteUrl', rule: 'required', message }]);
      }
      cache.saveSettings(next);
      if (next.pkcs11Module !== before.pkcs11Module || next.skfLibrary !== before.skfLibrary)
        await deps.tokens.reconfigure().catch(() => undefined);
      // A different service is a different session.
      if (next.serviceMode !== before.serviceMode || next.remoteUrl !== before.remoteUrl) {
        await client.route(routes['auth.logout']).catch(() => undefined);
        client.reset();
      }
      return next;
    },

    'token.status': async () => deps.tokens.status(),

    'token.certificates': async (input) => deps.tokens.request('certificates', { slotId: input?.slotId }),

    'token.changePin': async (input) => deps.tokens.request('changePin', input),

    'token.lock': async () => {
      await deps.tokens.releaseLogins();
      return { ok: true as const };
    },

    'token.testLibrary': async (input) => deps.tokens.request('testLibrary', input),
  };
}
