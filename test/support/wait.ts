/** Bounded polling: checks a condition until it holds or the deadline passes. */
export const waitFor = async (condition: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
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
