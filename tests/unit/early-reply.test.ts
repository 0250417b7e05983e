import { afterEach, describe, expect, it, vi } from 'vitest';
import { EarlyReply } from '../../src-shared/early-reply';

describe('a reply asked for ahead of need (the first captcha)', () => {
  afterEach(() => vi.useRealTimers());

  it('hands the early reply to the first taker only; later takers ask again', async () => {
    const early = new EarlyReply<string>(60_000);
    let asked = 0;
    const ask = () => Promise.resolve(`captcha ${++asked}`);
    early.ask(ask);
    expect(await early.take(ask)).toBe('captcha 1');
    expect(await early.take(ask)).toBe('captcha 2');
    expect(asked).toBe(2);
  });

  it('does not hand out a reply older than its freshness', async () => {
    vi.useFakeTimers();
    const early = new EarlyReply<string>(60_000);
    early.ask(() => Promise.resolve('stale'));
    vi.advanceTimersByTime(60_000);
    expect(await early.take(() => Promise.resolve('fresh'))).toBe('fresh');
  });

  it('asks again when the early request failed, and the failure reaches no one', async () => {
    const early = new EarlyReply<string>(60_000);
    early.ask(() => Promise.reject(new Error('service not up')));
    expect(await early.take(() => Promise.resolve('second try'))).toBe('second try');
  });

  it('without an early reply, simply asks', async () => {
    const early = new EarlyReply<string>(60_000);
    expect(await early.take(() => Promise.resolve('asked now'))).toBe('asked now');
  });
});
