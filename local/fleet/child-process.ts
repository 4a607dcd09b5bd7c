import { fork, type ChildProcess } from 'node:child_process';
import { FleetError } from './errors';

/** What a child reports over IPC once its servers listen. */
export interface ReadyMessage {
  type: 'ready';
  pid: number;
  port: number;
  controlPort: number;
}

export interface StartedChild {
  child: ChildProcess;
  ready: ReadyMessage;
  /** Resolves when the process has exited (also when it was already gone). */
  exited: Promise<void>;
}

const isReady = (m: unknown): m is ReadyMessage =>
  typeof m === 'object' &&
  m !== null &&
  (m as { type?: unknown }).type === 'ready' &&
  typeof (m as ReadyMessage).port === 'number';

/**
 * Forks a fleet child script (plain CommonJS, no loader: `execArgv` is not inherited) with an IPC
 * channel, so that it exits when this process does, and waits for its ready message. A child
 * that exits or stays silent past `startTimeoutMs` is killed and reported with its last stderr.
 */
export const forkChild = async (
  script: string,
  config: Record<string, unknown>,
  options: {
    startTimeoutMs: number;
    /** Called with the pid as soon as the process exists, before it is ready. */
    onSpawn: (pid: number) => void;
    /** Called when the process exits, whenever that is. */
    onExit: (child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) => void;
  },
): Promise<StartedChild> => {
  const child = fork(script, [JSON.stringify(config)], {
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: false,
    serialization: 'json',
  });
  if (child.pid !== undefined) options.onSpawn(child.pid);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => options.onExit(child, code, signal));
  try {
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new FleetError(`not ready within ${options.startTimeoutMs} ms`)),
        options.startTimeoutMs,
      );
      child.on('message', (message) => {
        if (isReady(message)) {
          clearTimeout(timer);
          resolve(message);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new FleetError(`exited before it was ready (code ${code}, signal ${signal})`));
      });
    });
    return { child, ready, exited };
  } catch (error) {
    child.kill('SIGKILL');
    await withTimeout(exited, 2_000, '').catch(() => undefined);
    throw new FleetError(`${(error as Error).message}${stderr ? `; stderr: ${stderr.trim()}` : ''}`, { cause: error });
  }
};

/** SIGTERM (the child ends its faults and exits), then SIGKILL after `graceMs`; resolves when it is gone. */
export const stopChild = async (
  child: ChildProcess,
  exited: Promise<void>,
  graceMs: number,
  name: string,
): Promise<void> => {
  child.kill('SIGTERM');
  const gone = await withTimeout(exited, graceMs, '').then(
    () => true,
    () => false,
  );
  if (!gone) {
    child.kill('SIGKILL');
    await withTimeout(exited, graceMs, `${name} (pid ${child.pid}) survived SIGKILL`);
  }
};

/** Whether a process exists (signal 0 probes without sending anything). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export const withTimeout = async <T>(promise: Promise<T>, ms: number, message: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new FleetError(message || `timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};
