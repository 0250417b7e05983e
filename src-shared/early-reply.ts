// A reply asked for before anyone needs it — at a start, the login page's first
// captcha — and handed to the first who asks while it is fresh. Later askers,
// and any after it went stale, get a new one.

export class EarlyReply<T> {
  private early: { reply: Promise<T>; at: number } | null = null;

  /** freshMs: used only this soon after it was asked for. */
  constructor(private readonly freshMs: number) {}

  ask(request: () => Promise<T>): void {
    const reply = request();
    // A failure belongs to whoever asks next: they ask again.
    reply.catch(() => undefined);
    this.early = { reply, at: Date.now() };
  }

  take(request: () => Promise<T>): Promise<T> {
    const first = this.early;
    this.early = null;
    return first && Date.now() - first.at < this.freshMs ? first.reply.catch(() => request()) : request();
  }
}
