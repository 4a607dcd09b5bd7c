/**
 * The integration suite on a machine with no spare CPU: busy-loop threads keep every core loaded
 * while jest runs the integration project several times in a row. A test that guesses how fast
 * the machine is fails here; one that waits for what it expects does not.
 *
 *   npm run test:stress [-- <jest arguments, e.g. a test file>]
 *   STRESS_RUNS=5 npm run test:stress
 *
 * Prints one line per run and the total time; exits 1 if any run failed, 130 when interrupted.
 * The load threads live in this process, so they end with it, whatever happens; jest runs in its
 * own process group, which is killed on interruption.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const runs = Number(process.env.STRESS_RUNS ?? 3);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`STRESS_RUNS must be a positive whole number, not ${process.env.STRESS_RUNS}`);
  process.exit(2);
}
// Extra arguments go first: --selectProjects takes every value that follows it.
const jestArgs = ['jest', ...process.argv.slice(2), '--selectProjects', 'integration'];
const cores = availableParallelism();

// One spinning thread per core. `unref` lets this process end even if a thread is never stopped.
const load = Array.from({ length: cores }, () => {
  const worker = new Worker('for (;;) {}', { eval: true });
  worker.unref();
  return worker;
});
const stopLoad = () => Promise.allSettled(load.map((w) => w.terminate()));

let current;
const interrupted = async (signal) => {
  console.error(`\nstress: ${signal}, stopping jest and the load`);
  if (current?.pid) {
    try {
      process.kill(-current.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await stopLoad();
  process.exit(130);
};
process.once('SIGINT', () => void interrupted('SIGINT'));
process.once('SIGTERM', () => void interrupted('SIGTERM'));
process.once('SIGHUP', () => void interrupted('SIGHUP'));

const runJest = () =>
  new Promise((resolve) => {
    // detached: jest and its workers form a process group that can be killed as one.
    current = spawn('npx', jestArgs, { stdio: 'inherit', detached: true });
    current.once('error', (error) => resolve({ code: 1, error }));
    current.once('exit', (code, signal) => resolve({ code: code ?? 1, signal }));
  });

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const results = [];
const started = Date.now();
try {
  console.log(`stress: ${cores} busy-loop threads on ${cores} cores; ${runs} runs of npx ${jestArgs.join(' ')}`);
  for (let run = 1; run <= runs; run++) {
    const t0 = Date.now();
    const { code, signal, error } = await runJest();
    current = undefined;
    const ok = code === 0;
    results.push(ok);
    const why = error ? ` (${error.message})` : signal ? ` (${signal})` : ok ? '' : ` (exit ${code})`;
    console.log(`stress: run ${run}/${runs} ${ok ? 'passed' : 'FAILED'}${why} in ${seconds(Date.now() - t0)}`);
  }
} finally {
  await stopLoad();
}
const passed = results.filter(Boolean).length;
console.log(`stress: ${passed}/${runs} runs passed; total ${seconds(Date.now() - started)}`);
process.exit(passed === runs ? 0 : 1);
