/**
 * The local monitor's figures and alarms, fed with synthetic samples: M-out-of-N evaluation the
 * way CloudWatch does it, and state-change events of the exact AWS shape.
 */
import { CloudWatchAlarmStateChange } from '../../events/aws/cloudwatch-alarm-state-change';
import { parseTemplate } from '../../shared/domain/template';
import { ConfigurationError } from '../../shared/errors';
import type { BusEvent } from '../../shared/ports';
import type { DependencyStatus, ReplicaStatus } from '../../local/fleet';
import {
  AlarmEvaluator,
  DEFAULT_LOCAL_ALARMS,
  LocalMonitor,
  MetricSeries,
  evaluateAlarm,
  parseAlarmDefinitions,
  percentile,
  summarizeProbes,
  type AlarmDefinition,
  type AlarmStateChangeDetail,
  type MonitoredFleet,
} from '../../local/monitor';
import { awsFixture } from '../support/fixtures';

/** Periods aligned on whole seconds, as the evaluator aligns them. */
const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (second: number, ms = 0) => T0 + second * 1000 + ms;

const availabilityAlarm: AlarmDefinition = {
  name: 'checkout-availability',
  description: 'availability under 95%',
  metric: 'availability',
  comparison: 'LessThanThreshold',
  threshold: 95,
  periodSeconds: 1,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
};

/** Ten probes in second `second`, `failed` of them failing. */
const probes = (series: MetricSeries, second: number, failed: number, latencyMs = 5) => {
  for (let i = 0; i < 10; i++)
    series.recordProbe({
      at: at(second, i * 100),
      ok: i >= failed,
      latencyMs: latencyMs + i,
      ...(i < failed ? { status: 503 } : { status: 200 }),
    });
};

describe('figures', () => {
  test('percentiles are nearest-rank, and nothing measured is undefined, never 0', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 90, 95, 99].map((p) => percentile(sorted, p))).toEqual([50, 90, 95, 99]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
    expect(summarizeProbes([])).toEqual({ requests: 0, failed: 0, outcomes: {} });
  });

  test('a window counts availability, latency and outcomes of its probes only', () => {
    const series = new MetricSeries();
    probes(series, 0, 0);
    probes(series, 1, 5, 100);
    series.recordProbe({ at: at(1, 950), ok: false, latencyMs: 2000, error: 'timeout' });
    const second = summarizeProbes(series.probes(at(1), at(2)));
    expect(second.requests).toBe(11);
    expect(second.failed).toBe(6);
    expect(second.availabilityPercent).toBeCloseTo((5 / 11) * 100, 2);
    expect(second.latencyMs!.p99).toBe(2000);
    expect(second.outcomes).toEqual({ '200': 5, '503': 5, timeout: 1 });
  });
});

describe('alarm evaluation (M out of N)', () => {
  test('ALARM needs M breaching datapoints among the last N; fewer is OK; none measured is INSUFFICIENT_DATA', () => {
    const series = new MetricSeries();
    expect(evaluateAlarm(availabilityAlarm, series, at(3, 10)).state).toBe('INSUFFICIENT_DATA');

    probes(series, 0, 0); // 100%
    probes(series, 1, 3); // 70%: breaching
    probes(series, 2, 0); // 100%
    const oneOfThree = evaluateAlarm(availabilityAlarm, series, at(3, 10));
    expect(oneOfThree).toMatchObject({ state: 'OK', breaching: 1, present: 3 });
    expect(oneOfThree.datapoints.map((d) => d.value)).toEqual([100, 70, 100]);

    probes(series, 3, 5); // 50%: breaching, second of the last three
    expect(evaluateAlarm(availabilityAlarm, series, at(4, 10))).toMatchObject({ state: 'ALARM', breaching: 2 });

    // The period still running does not count: at 4.5 s the last complete period is [3 s, 4 s).
    probes(series, 4, 10);
    expect(evaluateAlarm(availabilityAlarm, series, at(4, 500)).datapoints[0]!.value).toBe(50);

    // Once the breaching datapoints fall out of the last N, it is OK again.
    probes(series, 5, 0);
    probes(series, 6, 0);
    probes(series, 7, 0);
    expect(evaluateAlarm(availabilityAlarm, series, at(8, 10))).toMatchObject({ state: 'OK', breaching: 0 });
  });

  test('missing datapoints are neither good nor bad', () => {
    const series = new MetricSeries();
    probes(series, 0, 5);
    probes(series, 2, 5);
    // [2 s] breaching, [1 s] missing, [0 s] breaching: 2 of 3.
    expect(evaluateAlarm(availabilityAlarm, series, at(3, 10))).toMatchObject({
      state: 'ALARM',
      breaching: 2,
      present: 2,
    });
    // [3 s] missing, [2 s] breaching, [1 s] missing: 1 breaching, no good datapoint either.
    expect(evaluateAlarm(availabilityAlarm, series, at(4, 10))).toMatchObject({
      state: 'OK',
      breaching: 1,
      present: 1,
    });
  });

  test('host metrics alarm on the worst replica, healthy replicas on the period minimum', () => {
    const series = new MetricSeries();
    for (const [ms, cpu1, cpu2] of [
      [0, 10, 95],
      [500, 20, 97],
    ] as const) {
      series.recordHost({
        at: at(0, ms),
        name: 'replica-1',
        role: 'replica',
        pid: 1,
        cpuPercent: cpu1,
        rssMb: 50,
        diskMb: 0,
      });
      series.recordHost({
        at: at(0, ms),
        name: 'replica-2',
        role: 'replica',
        pid: 2,
        cpuPercent: cpu2,
        rssMb: 60,
        diskMb: 64,
      });
      // The dependency is no replica: its figures do not count.
      series.recordHost({
        at: at(0, ms),
        name: 'db',
        role: 'dependency',
        pid: 3,
        cpuPercent: 100,
        rssMb: 900,
        diskMb: 900,
      });
    }
    series.recordHealth({ at: at(0, 100), healthyReplicas: 3, replicas: 3, dependencyUp: true });
    series.recordHealth({ at: at(0, 600), healthyReplicas: 1, replicas: 3, dependencyUp: true });
    const one = { periodSeconds: 1, evaluationPeriods: 1, datapointsToAlarm: 1 } as const;
    const cpu = evaluateAlarm(
      { ...one, name: 'cpu', metric: 'replicaCpuPercent', comparison: 'GreaterThanThreshold', threshold: 90 },
      series,
      at(1),
    );
    expect(cpu).toMatchObject({ state: 'ALARM' });
    expect(cpu.datapoints[0]!.value).toBe(96);
    const disk = evaluateAlarm(
      { ...one, name: 'disk', metric: 'replicaDiskMb', comparison: 'GreaterThanOrEqualToThreshold', threshold: 64 },
      series,
      at(1),
    );
    expect(disk.state).toBe('ALARM');
    const memory = evaluateAlarm(
      { ...one, name: 'mem', metric: 'replicaMemoryMb', comparison: 'GreaterThanThreshold', threshold: 100 },
      series,
      at(1),
    );
    expect(memory.state).toBe('OK');
    const healthy = evaluateAlarm(
      { ...one, name: 'hosts', metric: 'healthyReplicas', comparison: 'LessThanThreshold', threshold: 2 },
      series,
      at(1),
    );
    expect(healthy).toMatchObject({ state: 'ALARM', datapoints: [{ value: 1 }] });
  });

  test('definitions are validated when the monitor is built, every problem listed', () => {
    expect(() =>
      parseAlarmDefinitions([
        { ...availabilityAlarm, datapointsToAlarm: 4 },
        { ...availabilityAlarm, metric: 'cpu' },
        availabilityAlarm,
        availabilityAlarm,
        { ...availabilityAlarm, name: 'x', treatMissingData: 'breaching' },
      ]),
    ).toThrow(
      expect.objectContaining({
        name: 'ConfigurationError',
        message: expect.stringMatching(
          /alarms\.0\.datapointsToAlarm.*alarms\.1\.metric.*alarms\.3\.name: duplicate.*alarms\.4.*treatMissingData/,
        ),
      }),
    );
    expect(parseAlarmDefinitions(DEFAULT_LOCAL_ALARMS).map((d) => d.name)).toEqual(
      expect.arrayContaining(['faultline-local-availability', 'faultline-local-p95-latency']),
    );
  });
});

describe('alarm state-change events', () => {
  const evaluatorOver = (series: MetricSeries) =>
    new AlarmEvaluator({
      definitions: [availabilityAlarm],
      series,
      account: '123456789012',
      region: 'eu-west-1',
      now: () => new Date(T0),
    });

  test('each state change is one "CloudWatch Alarm State Change" of the exact AWS shape', () => {
    const series = new MetricSeries();
    const evaluator = evaluatorOver(series);
    probes(series, 0, 0);
    const ok = evaluator.evaluate(availabilityAlarm.name, new Date(at(1, 25)))!;
    expect(ok.detail.previousState).toMatchObject({
      value: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
    });
    expect(ok.detail.state.value).toBe('OK');
    // No change, no event.
    expect(evaluator.evaluate(availabilityAlarm.name, new Date(at(1, 500)))).toBeUndefined();

    probes(series, 1, 4);
    probes(series, 2, 2);
    const alarm = evaluator.evaluate(availabilityAlarm.name, new Date(at(3, 25)))!;
    const parsed = CloudWatchAlarmStateChange.parse(alarm);
    expect(parsed.detail.state.value).toBe('ALARM');
    expect(parsed.detail.previousState.value).toBe('OK');
    expect(alarm).toMatchObject({
      version: '0',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      region: 'eu-west-1',
      time: '2026-11-29T10:00:03Z',
      resources: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-availability'],
    });
    expect(alarm.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(alarm.detail.state.timestamp).toBe('2026-11-29T10:00:03.025+0000');
    expect(alarm.detail.state.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [80.0 (29/11/26 10:00:02), 60.0 (29/11/26 10:00:01)] were less than the threshold (95.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(JSON.parse(alarm.detail.state.reasonData!)).toMatchObject({
      version: '1.0',
      queryDate: '2026-11-29T10:00:03.025+0000',
      startDate: '2026-11-29T10:00:00.000+0000',
      statistic: 'Average',
      period: 1,
      recentDatapoints: [100, 60, 80],
      threshold: 95,
    });
    expect(alarm.detail.configuration).toEqual({
      description: 'availability under 95%',
      metrics: [
        {
          id: 'm1',
          metricStat: {
            metric: { namespace: 'Faultline/Local', name: 'Availability', dimensions: { Fleet: 'faultline-demo' } },
            period: 1,
            stat: 'Average',
          },
          returnData: true,
        },
      ],
    });
    // The previous state is the one the OK event reported.
    expect(alarm.detail.previousState).toEqual(ok.detail.state);
  });

  test('the event has the same fields as AWS’s own example, at every level', () => {
    const aws = awsFixture<BusEvent<AlarmStateChangeDetail>>('cloudwatch-alarm-state-change.single-metric.json');
    const series = new MetricSeries();
    probes(series, 0, 0);
    const event = evaluatorOver(series).evaluate(availabilityAlarm.name, new Date(at(1, 25)))!;
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(event)).toEqual(keys(aws));
    expect(keys(event.detail)).toEqual(keys(aws.detail));
    expect(keys(event.detail.state)).toEqual(keys(aws.detail.state));
    expect(keys(event.detail.configuration)).toEqual(keys(aws.detail.configuration));
    expect(keys(event.detail.configuration.metrics[0]!)).toEqual(keys(aws.detail.configuration.metrics[0]!));
    expect(keys(event.detail.configuration.metrics[0]!.metricStat)).toEqual(
      keys(aws.detail.configuration.metrics[0]!.metricStat),
    );
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(aws.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(event.detail.state.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(aws.detail.state.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });
});

describe('LocalMonitor as the domain sees it', () => {
  const replica = (name: string, healthy = true): ReplicaStatus => ({
    name,
    role: 'replica',
    state: healthy ? 'running' : 'restarting',
    healthy,
    restarts: 0,
    diskDir: `/tmp/${name}`,
  });
  const fakeFleet = (healthy = [true, true, true], dependencyUp = true): MonitoredFleet => ({
    loadBalancerUrl: 'http://127.0.0.1:9',
    replicas: () => healthy.map((h, i) => replica(`replica-${i + 1}`, h)),
    dependency: (): DependencyStatus => ({
      name: 'db',
      role: 'dependency',
      state: 'running',
      healthy: dependencyUp,
      up: dependencyUp,
      restarts: 0,
      diskDir: '/tmp/db',
    }),
    hostFigures: async () => [],
  });
  const template = parseTemplate({
    id: 'unit',
    hypothesis: { statement: 's', successCriteria: [{ type: 'availability', minPercent: 99 }] },
    targets: { web: { provider: 'local', resourceType: 'local:replica' } },
    actions: { a: { fault: 'cpu-stress', target: 'web', duration: 'PT1M' } },
    safety: { environments: ['local'] },
    observation: { window: 'PT30S' },
  });

  test('alarm events go to onAlarmEvent in order; inAlarm reports them, unknown names as missing', async () => {
    const events: BusEvent<AlarmStateChangeDetail>[] = [];
    const monitor = new LocalMonitor({
      fleet: fakeFleet(),
      alarms: [availabilityAlarm],
      onAlarmEvent: (e) => void events.push(e),
    });
    probes(monitor.series, 0, 0);
    probes(monitor.series, 1, 5);
    probes(monitor.series, 2, 5);
    expect(await monitor.inAlarm(['checkout-availability', 'nobody-defined-this'])).toEqual({
      inAlarm: [],
      missing: ['nobody-defined-this'],
    });
    await monitor.evaluateAlarms(new Date(at(3, 25)));
    expect(events.map((e) => `${e.detail.previousState.value}->${e.detail.state.value}`)).toEqual([
      'INSUFFICIENT_DATA->ALARM',
    ]);
    expect(await monitor.inAlarm(['checkout-availability'])).toEqual({
      inAlarm: ['checkout-availability'],
      missing: [],
    });
    for (const e of events) expect(() => CloudWatchAlarmStateChange.parse(e)).not.toThrow();
    await monitor.stop();
  });

  test('a failing alarm-event consumer is reported, and later events are still delivered', async () => {
    const errors: unknown[] = [];
    const delivered: string[] = [];
    let calls = 0;
    const monitor = new LocalMonitor({
      fleet: fakeFleet(),
      alarms: [availabilityAlarm],
      onAlarmEvent: async (e) => {
        if (++calls === 1) throw new Error('bus down');
        delivered.push(e.detail.state.value);
      },
      onError: (error) => errors.push(error),
    });
    probes(monitor.series, 0, 5);
    probes(monitor.series, 1, 5);
    await monitor.evaluateAlarms(new Date(at(2, 25)));
    probes(monitor.series, 2, 0);
    probes(monitor.series, 3, 0);
    probes(monitor.series, 4, 0);
    await monitor.evaluateAlarms(new Date(at(5, 25)));
    expect(errors).toEqual([expect.objectContaining({ message: 'bus down' })]);
    expect(delivered).toEqual(['OK']);
    await monitor.stop();
  });

  test('measure gives availability and percentiles of the window, undefined where nothing was measured', async () => {
    const monitor = new LocalMonitor({ fleet: fakeFleet() });
    probes(monitor.series, 0, 0);
    probes(monitor.series, 1, 2, 300);
    const metrics = await monitor.measure(template, { from: new Date(at(0)), to: new Date(at(2)) });
    expect(metrics).toMatchObject({ requests: 20, availabilityPercent: 90, from: '2026-11-29T10:00:00.000Z' });
    expect(metrics.latencyMs).toEqual({ p50: 14, p90: 307, p95: 308, p99: 309 });
    const empty = await monitor.measure(template, { from: new Date(at(10)), to: new Date(at(11)) });
    expect(empty.availabilityPercent).toBeUndefined();
    expect(empty.latencyMs).toBeUndefined();
    await monitor.stop();
  });

  test('steady needs every replica in rotation, the dependency up and recent probes back to normal', async () => {
    const now = at(10);
    const clock = { now: () => new Date(now) };
    const settings = {
      clock,
      steady: { windowMs: 2_000, minAvailabilityPercent: 99, maxP95LatencyMs: 200, minRequests: 5 },
    };
    const fine = new LocalMonitor({ fleet: fakeFleet(), ...settings });
    probes(fine.series, 8, 0);
    probes(fine.series, 9, 0);
    expect(await fine.steady(template, [])).toMatchObject({ steady: true });

    const replicaDown = new LocalMonitor({ fleet: fakeFleet([true, false, true]), ...settings });
    probes(replicaDown.series, 9, 0);
    expect(await replicaDown.steady(template, [])).toEqual({ steady: false, detail: 'replica-2 is restarting' });

    const dependencyDown = new LocalMonitor({ fleet: fakeFleet(undefined, false), ...settings });
    probes(dependencyDown.series, 9, 0);
    expect((await dependencyDown.steady(template, [])).detail).toMatch(/dependency db is not answering/);

    const failing = new LocalMonitor({ fleet: fakeFleet(), ...settings });
    probes(failing.series, 9, 1);
    expect((await failing.steady(template, [])).detail).toMatch(/availability 90% < 99%/);

    const slow = new LocalMonitor({ fleet: fakeFleet(), ...settings });
    probes(slow.series, 9, 0, 400);
    expect((await slow.steady(template, [])).detail).toMatch(/p95 409 ms > 200 ms/);

    const silent = new LocalMonitor({ fleet: fakeFleet(), ...settings });
    expect((await silent.steady(template, [])).detail).toMatch(/only 0 probes/);
  });

  test('bad options fail when the monitor is built', () => {
    expect(() => new LocalMonitor({ fleet: fakeFleet(), probeRatePerSecond: 0 })).toThrow(ConfigurationError);
    expect(() => new LocalMonitor({ fleet: fakeFleet(), account: 'local' })).toThrow(/account: 12 digits/);
  });

  test('one point per period: availability, latency, request rate and the busiest member CPU; empty periods are null', async () => {
    const monitor = new LocalMonitor({ fleet: fakeFleet() });
    probes(monitor.series, 0, 0, 5);
    probes(monitor.series, 1, 5, 100);
    // second 2: nothing measured
    probes(monitor.series, 3, 0, 5);
    for (const [second, cpu] of [
      [0, 10],
      [1, 90],
    ] as const)
      monitor.series.recordHost({
        at: at(second, 500),
        name: 'replica-1',
        role: 'replica',
        pid: 1,
        cpuPercent: cpu,
        rssMb: 50,
        diskMb: 0,
      });

    // The local monitor watches one system: the template does not narrow it.
    const result = await monitor.timeSeries(undefined as never, { from: new Date(at(0)), to: new Date(at(4)) }, 0.2);

    expect(result.periodSeconds).toBe(1);
    const byName = Object.fromEntries(result.series.map((s) => [s.name, s.points.map(([, v]) => v)]));
    expect(result.series[0]!.points.map(([t]) => t)).toEqual([at(0), at(1), at(2), at(3)]);
    expect(byName.availabilityPercent).toEqual([100, 50, null, 100]);
    expect(byName.requestsPerSecond).toEqual([10, 10, null, 10]);
    expect(byName.p95LatencyMs).toEqual([14, 109, null, 14]);
    expect(byName.maxCpuPercent).toEqual([10, 90, null, null]);
    await monitor.stop();
  });
});
