// The service's one source of time: business day, "today", cut-offs and every
// window are computed from it. Tests and the demo may move it; a production
// start cannot (the setter refuses unless the service was started adjustable).
import { businessDateOf } from '../src-shared/business-day';
import { AppError } from '../src-shared/errors';

export { addDays, businessDateOf, startOfBusinessDate } from '../src-shared/business-day';

export class Clock {
  private offsetMs = 0;
  /** How often it was moved: what was worked out for "today" holds only until the next move. */
  private moved = 0;
  constructor(readonly adjustable: boolean) {}

  get moves(): number {
    return this.moved;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  /** Today's business date, "YYYY-MM-DD" in China Standard Time. */
  today(): string {
    return businessDateOf(this.now());
  }

  /** Moves the clock to an instant; only for tests and the demo. */
  set(instant: Date): void {
    if (!this.adjustable) throw new AppError('FORBIDDEN');
    this.offsetMs = instant.getTime() - Date.now();
    this.moved += 1;
  }

  advance(ms: number): void {
    if (!this.adjustable) throw new AppError('FORBIDDEN');
    this.offsetMs += ms;
    this.moved += 1;
  }
}
