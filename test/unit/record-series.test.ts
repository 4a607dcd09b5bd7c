import type { Execution, FaultRecord } from '../../shared/domain/execution';
import { placeOf } from '../../shared/domain/series';
import { recordSeries } from '../../shared/report/record-series';
import { InMemoryStore } from '../../testing/in-memory-store';
import { StaticMetrics } from '../../testing/in-memory';
import { parseTemplate } from '../../shared/domain/template';
import { quickTemplate } from '../support/templates';

const T = (s: number) => new Date(Date.parse('2026-11-29T10:00:00Z') + s * 1000).toISOString();

const completed = (executionId: string, set: Partial<Execution> = {}): Execution => ({
  executionId,
  experimentId: 'latency',
  templateVersion: 1,
  template: parseTemplate(quickTemplate()),
  status: 'COMPLETED',
  verdict: 'PASSED',
  version: 9,
  environment: 'local',
  dryRun: false,
  trigger: { type: 'cli' },
  requestedAt: T(0),
  updatedAt: T(60),
  completedAt: T(60),
  baseline: { from: T(0), to: T(10), availabilityPercent: 100 },
  injectedAt: T(12),
  revertedAt: T(40),
  recoveredAt: T(50),
  safety: { violated: false },
  ...set,
});

const fault: FaultRecord = {
  executionId: 'e1',
  action: 'slow',
  faultType: 'network-latency',
  target: {
    name: 'web',
    provider: 'local',
    resourceType: 'local:replica',
    id: 'replica-1',
    key: 'local:replica:replica-1',
  },
  parameters: {},
  state: 'REVERTED',
  armedAt: T(11),
  injectedAt: T(12),
  revertedAt: T(40),
  expiresAt: T(300),
};

const setUp = async (execution: Execution, faults: FaultRecord[] = [fault]) => {
  const store = new InMemoryStore();
  await store.createExecution(execution);
  for (const f of faults) await store.recordFault(f);
  return store;
};

describe("an execution's place in time", () => {
  it('spans baseline, injection, observation and recovery, and marks faults, the stop condition and recovery', () => {
    const placed = placeOf(
      completed('e1', { safety: { violated: true, at: T(30), source: 'alarm', reason: 'checkout-5xx in ALARM' } }),
      [fault],
    );
    expect(placed.from).toBe(T(0));
    expect(placed.to).toBe(T(60));
    expect(placed.spans).toEqual([
      { name: 'baseline', from: T(0), to: T(10) },
      { name: 'injection', from: T(11), to: T(12) },
      { name: 'observation', from: T(12), to: T(40) },
      { name: 'recovery', from: T(40), to: T(50) },
    ]);
    expect(placed.markers.map((m) => [m.at, m.kind])).toEqual([
      [T(12), 'fault-injected'],
      [T(30), 'stop-condition'],
      [T(40), 'fault-reverted'],
      [T(50), 'recovery-confirmed'],
    ]);
    expect(placed.markers[1]!.label).toBe('stop condition: checkout-5xx in ALARM');
    const long = completed('e3', {
      safety: {
        violated: true,
        at: T(30),
        source: 'alarm',
        reason: 'stop-condition alarm p95 is in ALARM: Threshold Crossed: 2 out of 3',
      },
    });
    expect(placeOf(long, [fault]).markers[1]!.label).toBe('stop-condition alarm p95 is in ALARM');
  });

  it('leaves out what never began: a run rejected before injecting has a baseline at most', () => {
    const rejected = completed('e2', {
      status: 'REJECTED',
      injectedAt: undefined,
      revertedAt: undefined,
      recoveredAt: undefined,
      baseline: undefined,
    });
    expect(placeOf(rejected, []).spans).toEqual([]);
  });
});

describe('recordSeries', () => {
  it('records the series of a final execution once, with its spans and markers', async () => {
    const store = await setUp(completed('e1'));
    const metrics = new StaticMetrics();
    const calls: number[] = [];
    const measured = metrics.timeSeries.bind(metrics);
    metrics.timeSeries = async (t, w, p) => {
      calls.push(p);
      return measured(t, w, p);
    };

    const series = await recordSeries('e1', { store, metrics, minimumPeriodSeconds: 1 });

    expect(series).toMatchObject({ from: T(0), to: T(60), periodSeconds: 1 });
    expect(series!.series.map((s) => s.name)).toEqual([
      'availabilityPercent',
      'p50LatencyMs',
      'p95LatencyMs',
      'p99LatencyMs',
      'requestsPerSecond',
    ]);
    expect(series!.series[0]!.points).toHaveLength(60);
    expect(series!.spans.map((s) => s.name)).toEqual(['baseline', 'injection', 'observation', 'recovery']);
    expect(await store.readSeries('e1')).toEqual(series);
    // A duplicate ExperimentCompleted reads what is stored and measures nothing again.
    expect(await recordSeries('e1', { store, metrics, minimumPeriodSeconds: 1 })).toEqual(series);
    expect(calls).toEqual([1]);
  });

  it('a failing source leaves a document that says so, never a guess', async () => {
    const store = await setUp(completed('e1'));
    const metrics = new StaticMetrics();
    metrics.timeSeries = async () => {
      throw new Error('GetMetricData throttled');
    };
    const series = await recordSeries('e1', { store, metrics, minimumPeriodSeconds: 60 });
    expect(series).toMatchObject({ series: [], unavailable: 'the metrics source failed: GetMetricData throttled' });
    expect(series!.spans).toHaveLength(4);
  });

  it('an execution that is not final, or unknown, has no series yet', async () => {
    const store = await setUp(completed('e1', { status: 'OBSERVING', completedAt: undefined }));
    expect(await recordSeries('e1', { store, metrics: new StaticMetrics(), minimumPeriodSeconds: 1 })).toBeNull();
    expect(await recordSeries('nobody', { store, metrics: new StaticMetrics(), minimumPeriodSeconds: 1 })).toBeNull();
    expect(await store.readSeries('e1')).toBeNull();
  });
});
