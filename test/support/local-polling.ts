import net from 'node:net';

/**
 * Bounded polling for tests against real processes: ask until the answer is there or the deadline
 * passes, never sleep for a guessed length.
 */
export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

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
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};

/** Whether a process exists: `process.kill(pid, 0)` throws ESRCH once it is gone. */
export const processExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Whether something accepts TCP connections on a loopback port. */
export const portAccepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
