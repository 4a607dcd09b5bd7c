/**
 * Bounded polling for state that changes after a call returns (an SSM invocation, an instance
 * state, a FIS experiment, an execution reaching its end). Bounded, because a Lambda function must
 * honour its own timeout: an answer that does not come in time is a failure, never an endless wait.
 * The one polling loop of the shipped code: the AWS adapters, the phases, the embedded runtime and
 * the CLI all wait with `pollUntil`.
 */

/** Waits `ms` milliseconds. Injected so that tests never really wait. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
  /** How many times the state is read at most. */
  attempts?: number;
  /** Pause between two reads. */
  intervalMs?: number;
  sleep?: Sleep;
}

export interface ResolvedPollOptions {
  attempts: number;
  intervalMs: number;
  sleep: Sleep;
  /** No read starts once this long has passed since the first (by `now`); unbounded when absent. */
  timeoutMs?: number;
  /** The time the timeout is measured by, in ms; `Date.now` unless a phase's clock is given. */
  now?: () => number;
}

export const resolvePoll = (
  options: PollOptions | undefined,
  defaults: { attempts: number; intervalMs: number },
): ResolvedPollOptions => ({
  attempts: Math.max(1, options?.attempts ?? defaults.attempts),
  intervalMs: Math.max(0, options?.intervalMs ?? defaults.intervalMs),
  sleep: options?.sleep ?? realSleep,
});

/** Polls for up to `timeoutMs` (instead of a number of reads), every `intervalMs`. */
export const forAtMost = (
  timeoutMs: number,
  intervalMs: number,
  more: Partial<ResolvedPollOptions> = {},
): ResolvedPollOptions => ({
  attempts: Number.POSITIVE_INFINITY,
  intervalMs,
  sleep: realSleep,
  timeoutMs,
  ...more,
});

/**
 * Reads `read` until `done` holds, or the attempts run out, or the timeout passes; returns the last
 * value read and whether `done` held. The first read happens at once: a state that is already
 * reached costs no wait.
 */
export const pollUntil = async <T>(
  options: ResolvedPollOptions,
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<{ value: T; done: boolean; attempts: number }> => {
  const now = options.now ?? Date.now;
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : now() + options.timeoutMs;
  let value = await read();
  let attempts = 1;
  while (!done(value) && attempts < options.attempts && now() < deadline) {
    await options.sleep(options.intervalMs);
    value = await read();
    attempts += 1;
  }
  return { value, done: done(value), attempts };
};
