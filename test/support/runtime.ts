import { EmbeddedRuntime, type EmbeddedRuntimeOptions } from '../../local/runtime';
import { startPutEventsServer } from '../../local/put-events-server';
import { InMemoryFaults, StaticAlarms, StaticHealth, StaticMetrics, StaticTargets } from '../../testing/in-memory';

export interface TestRuntime {
  runtime: EmbeddedRuntime;
  faults: InMemoryFaults;
  metrics: StaticMetrics;
  alarms: StaticAlarms;
  health: StaticHealth;
}

/** The embedded runtime (real bus, real dynalite, real handlers) with in-memory fault adapters. */
export const startTestRuntime = async (options: Partial<EmbeddedRuntimeOptions> = {}): Promise<TestRuntime> => {
  const faults = options.faults instanceof InMemoryFaults ? options.faults : new InMemoryFaults();
  const metrics = new StaticMetrics();
  const alarms = new StaticAlarms(new Set(['local-p95-latency', 'local-availability']));
  const health = new StaticHealth(true);
  const runtime = await EmbeddedRuntime.start({
    targets: { local: new StaticTargets() },
    metrics,
    alarms,
    health,
    ...options,
    faults,
  });
  return { runtime, faults, metrics, alarms, health };
};

/**
 * A running stack as the CLI reaches a deployed one: an embedded runtime (table `faultline-local`)
 * behind a PutEvents endpoint, with the AWS SDK's standard endpoint variables pointing at both
 * and FAULTLINE_STAGE=local, as `faultline local` serves it. `stop()` puts the environment back.
 */
export const startReachableStack = async (): Promise<{
  runtime: EmbeddedRuntime;
  faults: InMemoryFaults;
  stop: () => Promise<void>;
}> => {
  const faults = new InMemoryFaults();
  const runtime = await EmbeddedRuntime.start({
    faults,
    targets: { local: new StaticTargets() },
    metrics: new StaticMetrics(),
    alarms: new StaticAlarms(new Set(['local-p95-latency'])),
    health: new StaticHealth(true),
    tableName: 'faultline-local',
  });
  const endpoint = await startPutEventsServer({ bus: runtime.bus, port: 0, customBusName: 'faultline-local' });
  const saved = { ...process.env };
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoint.url;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = runtime.dynamo.endpoint;
  process.env.FAULTLINE_STAGE = 'local';
  return {
    runtime,
    faults,
    stop: async () => {
      process.env = saved;
      await endpoint.close();
      await runtime.stop();
    },
  };
};
