import net from 'node:net';

/** Polling for tests against real processes: the tests' one polling loop, and what it asks. */
export { pollUntil, type PollOptions } from './wait';

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
