// The login page's first captcha is asked for while the app boots, beside the
// settings and the session, instead of after the page has mounted: at a cold
// start the login page is the first page, and its image was the last thing a
// user waited for. A boot that finds a live session leaves it unused (it
// expires on its own, like any captcha never answered).
import { EarlyReply } from '../../src-shared/early-reply';
import type { IpcOutput } from '../../src-shared/ipc/contract';
import { authApi } from './domains';

/** Well inside the captcha's own two minutes. */
const first = new EarlyReply<IpcOutput<'auth.captcha'>>(60_000);

export function askFirstCaptcha(): void {
  first.ask(() => authApi.captcha());
}

/** The captcha asked for at boot, once and while fresh; otherwise a new one. */
export function nextCaptcha(): Promise<IpcOutput<'auth.captcha'>> {
  return first.take(() => authApi.captcha());
}
