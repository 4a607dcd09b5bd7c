/**
 * Bounded polling for tests: ask until the answer is there or the deadline passes, never sleep for
 * a guessed length. The one polling loop of the tests; `waitFor` is its yes/no form.
 */
export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** What `pollUntil` throws when the deadline passed. */
export class PollTimeoutError extends Error {}

/**
 * Resolves with the first value of `probe` that is neither undefined nor false; throws after
 * `timeoutMs` with `what` and the last value seen.
 */
export const pollUntil = async <T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 50 }: PollOptions = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    last = value;
    if (Date.now() >= deadline)
      throw new PollTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};

/** Bounded polling: checks a condition until it holds or the deadline passes. */
export const waitFor = async (
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> => {
  try {
    await pollUntil(what, async () => (await condition()) || undefined, { timeoutMs, intervalMs: 20 });
  } catch (error) {
    if (error instanceof PollTimeoutError) throw new Error(`${what} not met within ${timeoutMs} ms`);
    throw error;
  }
};

/**
 * A clock for tests that need time to pass: real time plus an offset that `advance` moves forward
 * at once. A test that must be past a deadline advances the clock beyond it, instead of sleeping
 * for a guessed length and hoping the machine kept up. Real-time timers already set (the local
 * timer's pending schedules) are not hurried; they still fire after their real delay.
 */
export class TestClock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`a clock only moves forward, not by ${ms} ms`);
    this.offsetMs += ms;
  }
}
