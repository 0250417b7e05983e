// A key store opened once and shared by every caller; a failed opening is not
// kept, so the next use tries again (an HSM that was down may be back).
export class Opening<T> {
  private current: Promise<T> | null = null;

  constructor(private readonly open: () => Promise<T>) {}

  get(): Promise<T> {
    if (!this.current) {
      const opening = this.open();
      this.current = opening;
      opening.catch(() => {
        if (this.current === opening) this.current = null;
      });
    }
    return this.current;
  }

  /** What was opened (null if nothing, or it failed); the next get() opens again. */
  async take(): Promise<T | null> {
    const opening = this.current;
    this.current = null;
    return (await opening?.catch(() => null)) ?? null;
  }
}
