import { EmbeddedRuntime, type EmbeddedRuntimeOptions } from '../../local/runtime';
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
