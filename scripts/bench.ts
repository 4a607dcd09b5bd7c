/**
 * Benchmarks of the embedded runtime: the real handlers, bus and dynalite store, with in-memory
 * fault adapters so that the figures are those of the flow itself. Prints figures; asserts nothing.
 *
 *   npm run bench [-- --experiments 60 --concurrency 6 --trips 20 --fleet-trips 8]
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CloudWatchAlarmStateChange } from '../events';
import type { ResolvedTarget } from '../shared/domain/execution';
import type { TargetSpec, TemplateInput } from '../shared/domain/template';
import { InMemoryFaults, StaticAlarms, StaticHealth, StaticMetrics } from '../testing/in-memory';
import { EmbeddedRuntime } from '../local/runtime';
import { LocalEnvironment } from '../local/environment';
import type { BusEvent, TargetResolver } from '../shared/ports';

/** Fresh target ids per experiment, so that concurrent experiments do not contend for leases. */
class FreshTargets implements TargetResolver {
  async candidates(name: string, spec: TargetSpec): Promise<ResolvedTarget[]> {
    return [1, 2, 3].map(() => {
      const id = `bench-${randomUUID().slice(0, 8)}`;
      return { name, provider: spec.provider, resourceType: spec.resourceType, id, key: `${spec.resourceType}:${id}` };
    });
  }
}

const template = (window: string, duration: string): TemplateInput => ({
  id: 'bench',
  hypothesis: { statement: 'bench', successCriteria: [{ type: 'availability', minPercent: 99 }] },
  targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: 'COUNT(1)' } },
  actions: { a: { fault: 'cpu-stress', target: 'web', duration } },
  stopConditions: [{ alarm: 'bench-alarm' }],
  safety: { environments: ['local'], maxTargetsPercent: 34 },
  observation: { window },
  recovery: { timeout: 'PT5S', checkEvery: 'PT0.05S' },
});

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

const main = async () => {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      experiments: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '6' },
      trips: { type: 'string', default: '20' },
      'fleet-trips': { type: 'string', default: '8' },
    },
  });
  const fleetTrips = Number(values['fleet-trips']);
  const experiments = Number(values.experiments);
  const concurrency = Number(values.concurrency);
  const trips = Number(values.trips);
  const faults = new InMemoryFaults();
  const runtime = await EmbeddedRuntime.start({
    faults,
    targets: { local: new FreshTargets() },
    metrics: new StaticMetrics(),
    alarms: new StaticAlarms(new Set(['bench-alarm'])),
    health: new StaticHealth(true),
    tableName: 'faultline-bench',
  });
  let writes = 0;
  runtime.dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'].includes(String(context.commandName))) writes++;
      return next(args);
    },
    { step: 'initialize', name: 'countWrites' },
  );
  let events = 0;
  runtime.bus.subscribe(() => events++);

  try {
    // 1. Throughput of whole experiments.
    const started = performance.now();
    let next = 0;
    const verdicts: Record<string, number> = {};
    const worker = async () => {
      while (next < experiments) {
        next++;
        const id = await runtime.requestExperiment(template('PT0.05S', 'PT30S'));
        const final = await runtime.waitForFinal(id, 60_000);
        verdicts[`${final.status}/${final.verdict}`] = (verdicts[`${final.status}/${final.verdict}`] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    const flowWrites = writes;
    const flowEvents = events;

    // 2. Raw store write rate, same dynalite, same process.
    const doc = DynamoDBDocumentClient.from(runtime.dynamo.client);
    const rawCount = 1000;
    const rawStart = performance.now();
    for (let i = 0; i < rawCount; i++) {
      await doc.send(
        new PutCommand({ TableName: 'faultline-bench', Item: { pk: `RAW#${i}`, sk: 'RAW', payload: 'x'.repeat(200) } }),
      );
    }
    const rawRate = rawCount / ((performance.now() - rawStart) / 1000);

    // 3. Alarm event → every fault reverted.
    const latencies: number[] = [];
    for (let i = 0; i < trips; i++) {
      const id = await runtime.requestExperiment(template('PT30S', 'PT60S'));
      for (let waited = 0; (await runtime.store.getExecution(id))?.status !== 'OBSERVING'; waited++) {
        if (waited > 2000) throw new Error('never observing');
        await new Promise((r) => setTimeout(r, 5));
      }
      const alarm: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': CloudWatchAlarmStateChange.detailType,
        source: 'aws.cloudwatch',
        account: runtime.bus.account,
        time: new Date().toISOString(),
        region: runtime.bus.region,
        resources: [],
        detail: {
          alarmName: 'bench-alarm',
          state: { value: 'ALARM', reason: 'bench', timestamp: new Date().toISOString() },
          previousState: { value: 'OK', reason: 'bench', timestamp: new Date().toISOString() },
        },
      };
      const t0 = performance.now();
      runtime.deliverAwsEvent(alarm);
      while ([...faults.active.keys()].some((k) => k.startsWith(id))) await new Promise((r) => setImmediate(r));
      latencies.push(performance.now() - t0);
      await runtime.waitForFinal(id, 30_000);
    }

    const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)} ${value}\n`);
    process.stdout.write(
      `faultline bench (embedded runtime: in-process bus, dynalite, in-memory faults; node ${process.version})\n`,
    );
    line('experiments', `${experiments} (concurrency ${concurrency}): ${JSON.stringify(verdicts)}`);
    line('experiments per second', (experiments / seconds).toFixed(2));
    line('events per experiment', (flowEvents / experiments).toFixed(1));
    line('store writes per experiment', (flowWrites / experiments).toFixed(1));
    line('store write rate during experiments (writes/s)', (flowWrites / seconds).toFixed(0));
    line('raw store write rate (PutItem/s, sequential)', rawRate.toFixed(0));
    line(
      `alarm event -> all faults reverted (${trips} trips)`,
      `median ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`,
    );
  } finally {
    await runtime.stop();
  }
  if (fleetTrips > 0) await fleetAlarmTrips(fleetTrips);
};

/**
 * The same trip on the local environment: real replica processes, the local fault provider and
 * the monitor. Timed from the alarm event until no replica reports an active fault.
 */
const fleetAlarmTrips = async (trips: number) => {
  const local = await LocalEnvironment.start();
  const latencies: number[] = [];
  try {
    const latency: TemplateInput = {
      ...template('PT60S', 'PT90S'),
      id: 'bench-fleet',
      actions: { slow: { fault: 'network-latency', target: 'web', parameters: { delayMs: 200 }, duration: 'PT90S' } },
      stopConditions: [{ alarm: 'faultline-local-p95-latency' }],
      recovery: { timeout: 'PT30S', checkEvery: 'PT0.5S' },
    };
    for (let i = 0; i < trips; i++) {
      for (let waited = 0; !(await local.monitor.steady(undefined as never, [])).steady; waited++) {
        if (waited > 600) throw new Error('fleet never steady');
        await new Promise((r) => setTimeout(r, 100));
      }
      const id = await local.runtime.requestExperiment(latency);
      for (let waited = 0; (await local.runtime.store.getExecution(id))?.status !== 'OBSERVING'; waited++) {
        if (waited > 2000) throw new Error('never observing');
        await new Promise((r) => setTimeout(r, 5));
      }
      const alarm: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': CloudWatchAlarmStateChange.detailType,
        source: 'aws.cloudwatch',
        account: local.runtime.bus.account,
        time: new Date().toISOString(),
        region: local.runtime.bus.region,
        resources: [],
        detail: {
          alarmName: 'faultline-local-p95-latency',
          state: { value: 'ALARM', reason: 'bench', timestamp: new Date().toISOString() },
          previousState: { value: 'OK', reason: 'bench', timestamp: new Date().toISOString() },
        },
      };
      const t0 = performance.now();
      local.runtime.deliverAwsEvent(alarm);
      const active = async () => Object.values(await local.fleet.activeFaults()).some((faults) => faults.length > 0);
      while (await active()) await new Promise((r) => setTimeout(r, 2));
      latencies.push(performance.now() - t0);
      await local.runtime.waitForFinal(id, 60_000);
    }
  } finally {
    await local.stop();
  }
  process.stdout.write(
    `${`alarm event -> faults reverted on the fleet (${trips} trips)`.padEnd(44)} median ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms (real replicas, local fault provider)\n`,
  );
};

main().then(
  () => 0,
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
    process.exitCode = 1;
  },
);
