/**
 * Bounded polling for AWS state that changes after an API call returns (an SSM invocation, an
 * instance state, a FIS experiment). Bounded, because a Lambda function must honour its own
 * timeout: an answer that does not come in time is a failure, never an endless wait.
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
}

export const resolvePoll = (options: PollOptions | undefined, defaults: { attempts: number; intervalMs: number }): ResolvedPollOptions => ({
  attempts: Math.max(1, options?.attempts ?? defaults.attempts),
  intervalMs: Math.max(0, options?.intervalMs ?? defaults.intervalMs),
  sleep: options?.sleep ?? realSleep,
});

/**
 * Reads `read` until `done` holds or the attempts run out; returns the last value read and
 * whether `done` held. The first read happens at once: a state that is already reached costs
 * no wait.
 */
export const pollUntil = async <T>(
  options: ResolvedPollOptions,
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<{ value: T; done: boolean; attempts: number }> => {
  let value = await read();
  let attempts = 1;
  while (!done(value) && attempts < options.attempts) {
    await options.sleep(options.intervalMs);
    value = await read();
    attempts += 1;
  }
  return { value, done: done(value), attempts };
};
