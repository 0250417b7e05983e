// The login page's first captcha is asked for while the app boots, beside the
// settings and the session, instead of after the page has mounted: at a cold
// start the login page is the first page, and its image was the last thing a
// user waited for. A boot that finds a live session leaves it unused (it
// expires on its own, like any captcha never answered).
import type { IpcOutput } from '../../src-shared/ipc/contract';
import { authApi } from './domains';

type Captcha = IpcOutput<'auth.captcha'>;

/** Used only this soon after it was asked for: well inside the captcha's own two minutes. */
const FRESH_MS = 60_000;

let early: { reply: Promise<Captcha>; at: number } | null = null;

export function askFirstCaptcha(): void {
  const reply = authApi.captcha();
  // A failure is the login page's to show, when it asks again.
  reply.catch(() => undefined);
  early = { reply, at: Date.now() };
}

/** The captcha asked for at boot, once and while fresh; otherwise a new one. */
export function nextCaptcha(): Promise<Captcha> {
  const first = early;
  early = null;
  return first && Date.now() - first.at < FRESH_MS ? first.reply : authApi.captcha();
}
