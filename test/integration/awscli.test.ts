import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../support/wait';

const root = join(__dirname, '../..');

/** Two free consecutive loopback ports: the event endpoint and dynalite. */
const freePortPair = async (): Promise<number> => {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(
      [port, port + 1].map(
        (p) =>
          new Promise<boolean>((resolve) => {
            const server = createServer()
              .once('error', () => resolve(false))
              .listen(p, '127.0.0.1', () => server.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
  throw new Error('no free port pair');
};

/**
 * With `faultline local` running, Debian's AWS CLI starts an experiment with `aws events
 * put-events` and reads its state with `aws dynamodb` (scripts/awscli-smoke.sh).
 */
describe('faultline local, driven by the AWS CLI', () => {
  let local: ChildProcess;
  let output = '';
  let port = 0;

  beforeAll(async () => {
    port = await freePortPair();
    local = spawn(process.execPath, [join(root, 'bin/faultline.js'), 'local', '--port', String(port)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    local.stdout!.on('data', (chunk) => (output += String(chunk)));
    local.stderr!.on('data', (chunk) => (output += String(chunk)));
    await waitFor(
      () => output.includes('Ctrl-C stops everything'),
      60_000,
      `faultline local to serve (output so far: ${output})`,
    );
  }, 70_000);

  afterAll(async () => {
    if (local.exitCode === null) {
      local.kill('SIGINT');
      await waitFor(() => local.exitCode !== null, 20_000, 'faultline local to stop');
    }
  }, 30_000);

  it('aws events put-events starts an experiment and aws dynamodb shows it completed', async () => {
    const { stdout } = await promisify(execFile)('bash', [join(root, 'scripts/awscli-smoke.sh')], {
      cwd: root,
      env: { ...process.env, FAULTLINE_LOCAL_PORT: String(port) },
      timeout: 150_000,
    });
    expect(stdout).toMatch(/status COMPLETED, verdict PASSED/);
    expect(output).toMatch(/aws\.cloudwatch|faultline\s+ExperimentCompleted/);
    // The report function ran too, as on AWS, writing to the folder that stands in for the bucket,
    // with the series it recorded from the monitor.
    const executionId = /execution (\S+): status COMPLETED/.exec(stdout)![1]!;
    const page = () => {
      const dir = join(root, 'reports', 'local', 'reports');
      const experiment = existsSync(dir)
        ? readdirSync(dir).find((e) => existsSync(join(dir, e, executionId)))
        : undefined;
      return experiment ? join(dir, experiment, executionId, 'report.html') : undefined;
    };
    await waitFor(() => page() !== undefined && existsSync(page()!), 20_000, 'the report of the execution');
    expect(readFileSync(page()!, 'utf8')).toContain('data-chart="availabilityPercent"');
  }, 160_000);

  it('stops on Ctrl-C, leaving no fleet process behind', async () => {
    const pids = [...output.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(4);
    local.kill('SIGINT');
    await waitFor(() => local.exitCode !== null, 20_000, 'faultline local to stop');
    expect(local.exitCode).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 30_000);
});
