// Hooks that exist only when the service runs under NODE_ENV=test (and a demo
// start): read a captcha's answer, move the clock.
import { z } from 'zod';
import { defineRoutes } from './define';

export const CaptchaAnswer = z.object({ answer: z.string() });
export type CaptchaAnswer = z.infer<typeof CaptchaAnswer>;

export const SetClock = z.strictObject({
  now: z.iso.datetime().optional(),
  advanceSeconds: z
    .number()
    .int()
    .min(0)
    .max(400 * 86400)
    .optional(),
});
export type SetClock = z.infer<typeof SetClock>;

export const ClockReply = z.object({ now: z.string(), today: z.string() });
export type ClockReply = z.infer<typeof ClockReply>;

export const testRoutes = defineRoutes('test', {
  'test.captcha': {
    method: 'GET',
    path: '/__test/captcha/:id',
    params: z.object({ id: z.string().max(64) }),
    reply: CaptchaAnswer,
    audience: 'test',
    auth: 'none',
    hidden: true,
    summary: "A captcha's answer",
  },
  'test.clock': {
    method: 'POST',
    path: '/__test/clock',
    input: SetClock,
    reply: ClockReply,
    audience: 'test',
    auth: 'none',
    hidden: true,
    summary: 'Set or advance the service clock',
  },
});
