// Image captcha: svg-captcha draws it; the answer is kept only as a hash, checked
// once (the row is deleted by the check, right or wrong) and expires in 2 minutes.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../../src-shared/errors';
import type { Clock } from '../clock';
import type { Database } from '../store/schema';

export const CAPTCHA_TTL_SECONDS = 120;

/**
 * svg-captcha parses its font when loaded (a tenth of the service's start): it is
 * loaded by the first captcha, or by preload() once the service listens — well
 * before a login page asks for its first.
 */
let drawing: Promise<typeof import('svg-captcha')> | null = null;
function drawer(): Promise<typeof import('svg-captcha')> {
  drawing ??= import('svg-captcha').then((m) => ('create' in m ? m : (m as { default: typeof m }).default));
  return drawing;
}

function answerHash(id: string, answer: string): string {
  return createHash('sha256').update(`${id}:${answer.trim().toLowerCase()}`).digest('hex');
}

export class Captchas {
  /** Only in test mode: the answers, so end-to-end tests can log in. */
  private readonly testAnswers: Map<string, string> | null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    testMode: boolean,
  ) {
    this.testAnswers = testMode ? new Map() : null;
  }

  /** Loads the drawing library ahead of the first captcha. */
  preload(): void {
    void drawer().catch(() => undefined);
  }

  async create(): Promise<{ captchaId: string; svg: string; expiresInSeconds: number }> {
    const image = (await drawer()).create({
      size: 4,
      noise: 2,
      color: true,
      ignoreChars: '0oO1ilI',
      background: '#f4f6fa',
    });
    const id = randomBytes(16).toString('hex');
    const now = this.clock.now();
    await this.db
      .insertInto('captchas')
      .values({
        id,
        answer_hash: answerHash(id, image.text),
        expires_at: new Date(now.getTime() + CAPTCHA_TTL_SECONDS * 1000).toISOString(),
      })
      .execute();
    // Expired rows are swept as new ones are made; nothing else needs them.
    await this.db.deleteFrom('captchas').where('expires_at', '<', now.toISOString()).execute();
    this.testAnswers?.set(id, image.text);
    return { captchaId: id, svg: image.data, expiresInSeconds: CAPTCHA_TTL_SECONDS };
  }

  /** Consumes the captcha: a second check of the same id fails whatever the answer. */
  async check(id: string, answer: string): Promise<void> {
    const row = await this.db
      .deleteFrom('captchas')
      .where('id', '=', id)
      .returning(['answer_hash', 'expires_at'])
      .executeTakeFirst();
    this.testAnswers?.delete(id);
    if (!row || row.expires_at < this.clock.nowIso()) throw new AppError('AUTH_CAPTCHA_EXPIRED');
    if (row.answer_hash !== answerHash(id, answer)) throw new AppError('AUTH_CAPTCHA_WRONG');
  }

  testAnswer(id: string): string | undefined {
    return this.testAnswers?.get(id);
  }
}
