/**
 * The nine fault types against the local demo fleet: real processes, loopback traffic, no mocks.
 * Each test measures steady state, injects, checks that the monitor's figures show the fault,
 * reverts and polls until the fleet is steady again.
 */
import { existsSync } from 'node:fs';
import { faultParameterSchemas, type StandardFaultType } from '../../shared/domain/faults';
import type { FaultRecord, ResolvedTarget } from '../../shared/domain/execution';
import { parseTemplate } from '../../shared/domain/template';
import { InjectionError, UnknownFaultTypeError } from '../../shared/errors';
import type { BusEvent, InjectRequest } from '../../shared/ports';
import { CloudWatchAlarmStateChange } from '../../events/aws/cloudwatch-alarm-state-change';
import { DemoFleet } from '../../local/fleet';
import { LocalFaultProvider, LocalFaultProviders, LocalTargetResolver } from '../../local/faults';
import {
  DEFAULT_LOCAL_ALARMS,
  LocalMonitor,
  type AlarmStateChangeDetail,
  type WindowFigures,
} from '../../local/monitor';
import { pollUntil, portAccepts, processExists } from '../support/local-polling';

jest.setTimeout(30_000);

const fleet = new DemoFleet();
/** A short-period alarm so that a real state change happens within a test. */
const AVAILABILITY_ALARM = 'local-faults-availability';
const alarmEvents: BusEvent<AlarmStateChangeDetail>[] = [];
const monitor = new LocalMonitor({
  fleet,
  steady: { windowMs: 1_500, minAvailabilityPercent: 99, maxP95LatencyMs: 200, minRequests: 10 },
  alarms: [
    ...DEFAULT_LOCAL_ALARMS,
    {
      name: AVAILABILITY_ALARM,
      metric: 'availability',
      comparison: 'LessThanThreshold',
      threshold: 90,
      periodSeconds: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
    },
  ],
  onAlarmEvent: (event) => void alarmEvents.push(event),
});
const provider = new LocalFaultProvider({ fleet });
const resolver = new LocalTargetResolver({ fleet });

const template = parseTemplate({
  id: 'local-faults',
  hypothesis: { statement: 'the demo fleet holds', successCriteria: [{ type: 'availability', minPercent: 99 }] },
  targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: 'COUNT(1)' } },
  actions: { fault: { fault: 'network-latency', target: 'web', duration: 'PT5S' } },
  safety: { environments: ['local'] },
  observation: { window: 'PT2S' },
});

let replicas: ResolvedTarget[] = [];
let db: ResolvedTarget;
const replica = (name: string): ResolvedTarget => replicas.find((r) => r.id === name)!;

/** What each test measured, printed at the end for the report. */
const measured: Record<string, unknown> = {};

let sequence = 0;
const injectRequest = (
  faultType: StandardFaultType,
  target: ResolvedTarget,
  parameters: Record<string, unknown>,
  durationMs: number,
): InjectRequest => ({
  executionId: 'exec-local-faults',
  action: `${faultType}-${++sequence}`,
  faultType,
  target,
  // The domain hands providers parameters parsed with their defaults.
  parameters: faultParameterSchemas[faultType].parse(parameters) as Record<string, unknown>,
  expiresAt: new Date(Date.now() + durationMs),
});

const recordOf = (request: InjectRequest, handle: Record<string, string>): FaultRecord => ({
  executionId: request.executionId,
  action: request.action,
  faultType: request.faultType,
  target: request.target,
  parameters: request.parameters,
  state: 'INJECTED',
  handle,
  armedAt: new Date().toISOString(),
  injectedAt: new Date().toISOString(),
  expiresAt: request.expiresAt.toISOString(),
});

/** Every fault a test injected: reverted after each test too, so that a failed assertion leaves no fault behind. */
const outstanding: FaultRecord[] = [];
const inject = async (request: InjectRequest) => {
  const { handle } = await provider.inject(request);
  outstanding.push(recordOf(request, handle));
  return { handle };
};

afterEach(async () => {
  for (const record of outstanding.splice(0)) await provider.revert(record);
});

const since = (from: Date): WindowFigures => monitor.figures({ from, to: new Date() });

/** Polls the monitor's figures since `from` until `condition` holds over at least `minRequests` probes. */
const figuresShowing = (what: string, from: Date, condition: (f: WindowFigures) => boolean, minRequests = 15) =>
  pollUntil(
    what,
    () => {
      const f = since(from);
      return f.requests >= minRequests && condition(f) ? f : undefined;
    },
    // A condition, not a sleep: on a loaded machine the figures take longer to show.
    { timeoutMs: 25_000 },
  );

/** Polls until the monitor's HealthCheck says steady; returns how long that took. */
const steadyAgain = async (from = Date.now()): Promise<number> => {
  await pollUntil('steady state', async () => (await monitor.steady(template, replicas)).steady, { timeoutMs: 15_000 });
  return Date.now() - from;
};

/** Steady-state figures of the last second, checked before each fault. */
const steadyBaseline = async (): Promise<WindowFigures> => {
  await steadyAgain();
  const baseline = monitor.recent(1_000);
  expect(baseline.availabilityPercent).toBeGreaterThanOrEqual(99);
  return baseline;
};

const cpuOf = (f: WindowFigures, name: string) => f.members[name]?.cpuPercent;
const latestHost = (name: string) => monitor.series.latestHosts().find((h) => h.name === name);

beforeAll(async () => {
  await fleet.start();
  monitor.start();
  replicas = await resolver.candidates('web', template.targets.web!);
  db = (
    await resolver.candidates('db', { provider: 'local', resourceType: 'local:dependency', selectionMode: 'ALL' })
  )[0]!;
  await steadyAgain();
  measured.steady = await pollUntil('two seconds of probes', () => {
    const f = monitor.recent(2_000);
    return f.requests >= 35 ? f : undefined;
  });
});

afterAll(async () => {
  await monitor.stop();
  await fleet.stop();
  process.stdout.write(`local fault figures: ${JSON.stringify(measured, null, 1)}\n`);
});

describe('local fault provider', () => {
  test('resolves the fleet as local targets and knows only local fault types', async () => {
    expect(replicas.map((r) => r.key)).toEqual([
      'local:replica:replica-1',
      'local:replica:replica-2',
      'local:replica:replica-3',
    ]);
    expect(db.key).toBe('local:dependency:db');
    const providers = new LocalFaultProviders({ fleet });
    expect(providers.forFault('local', 'cpu-stress')).toBeInstanceOf(LocalFaultProvider);
    expect(() => providers.forFault('aws', 'cpu-stress')).toThrow(UnknownFaultTypeError);
    expect(() => providers.forFault('local', 'fis-experiment')).toThrow(UnknownFaultTypeError);
  });

  test('refuses what it cannot do safely, before touching anything', async () => {
    const bounded = new LocalFaultProvider({ fleet, limits: { maxMemoryMb: 64 } });
    const refusals = [
      bounded.inject(injectRequest('memory-stress', replica('replica-1'), { megabytes: 128 }, 5_000)),
      provider.inject({
        ...injectRequest('network-latency', replica('replica-1'), {}, 5_000),
        parameters: { delayMS: 100 },
      }),
      provider.inject(injectRequest('database-failure', replica('replica-1'), {}, 5_000)),
      provider.inject({
        ...injectRequest('cpu-stress', replica('replica-1'), {}, 5_000),
        expiresAt: new Date(Date.now() - 1),
      }),
      provider.inject(
        injectRequest(
          'cpu-stress',
          { ...replica('replica-1'), id: 'replica-9', key: 'local:replica:replica-9' },
          {},
          5_000,
        ),
      ),
    ];
    for (const refusal of refusals) await expect(refusal).rejects.toThrow(InjectionError);
    await expect(
      provider.inject({ ...injectRequest('cpu-stress', replica('replica-1'), {}, 5_000), faultType: 'fis-experiment' }),
    ).rejects.toThrow(UnknownFaultTypeError);
    expect(await fleet.activeFaults()).toEqual({ db: [], 'replica-1': [], 'replica-2': [], 'replica-3': [] });
  });

  test('network-latency: p95 rises by the delay on one replica of three, then falls back', async () => {
    const baseline = await steadyBaseline();
    const request = injectRequest('network-latency', replica('replica-1'), { delayMs: 400, jitterMs: 50 }, 5_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    const during = await figuresShowing('p95 above 340 ms', injectedAt, (f) => f.latencyMs!.p95 >= 340, 20);
    expect(during.latencyMs!.p95 - baseline.latencyMs!.p95).toBeGreaterThan(150);
    expect(during.latencyMs!.p50).toBeLessThan(300); // two replicas of three are untouched
    await provider.revert(recordOf(request, handle));
    await provider.revert(recordOf(request, handle)); // idempotent
    expect((await fleet.activeFaults())['replica-1']).toEqual([]);
    const recoveryMs = await steadyAgain();
    measured['network-latency'] = {
      baselineP95: baseline.latencyMs!.p95,
      during: during.latencyMs,
      availability: during.availabilityPercent,
      recoveryMs,
    };
  });

  test('network-partition (ingress): the load balancer takes the replica out of rotation and fails over', async () => {
    await steadyBaseline();
    const request = injectRequest('network-partition', replica('replica-2'), { direction: 'ingress' }, 5_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    await pollUntil('replica-2 out of rotation', () => !fleet.replica('replica-2')!.healthy);
    const during = await figuresShowing('2 healthy replicas', injectedAt, (f) => f.healthyReplicas?.min === 2, 10);
    // Refused or reset connections are retried on another replica: users barely notice.
    expect(during.availabilityPercent).toBeGreaterThanOrEqual(90);
    await provider.revert(recordOf(request, handle));
    const recoveryMs = await steadyAgain();
    expect(fleet.replica('replica-2')!.healthy).toBe(true);
    measured['network-partition ingress'] = {
      healthyReplicas: during.healthyReplicas,
      availability: during.availabilityPercent,
      recoveryMs,
    };
  });

  test('network-partition (dependency): one replica fails fast on every call to the dependency', async () => {
    await steadyBaseline();
    const request = injectRequest('network-partition', replica('replica-3'), { direction: 'dependency' }, 5_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    const during = await figuresShowing('availability below 85%', injectedAt, (f) => f.availabilityPercent! < 85, 20);
    expect(during.outcomes['502']).toBeGreaterThan(0);
    expect(during.latencyMs!.p95).toBeLessThan(500); // fails fast, well before the 1 s client timeout
    await provider.revert(recordOf(request, handle));
    const recoveryMs = await steadyAgain();
    measured['network-partition dependency'] = {
      availability: during.availabilityPercent,
      outcomes: during.outcomes,
      recoveryMs,
    };
  });

  test('cpu-stress: the replica CPU rises to the requested load, then falls back', async () => {
    await steadyBaseline();
    const before = monitor.recent(1_000);
    const request = injectRequest('cpu-stress', replica('replica-1'), { loadPercent: 80, workers: 1 }, 30_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    // 80% of a core when the machine is idle. On a saturated 2-core machine the stressed replica
    // gets only its share of the cores, so the fault shows as replica-1 well above its peers,
    // which compete for the same cores, rather than as a fixed figure.
    const peers = (f: WindowFigures) => Math.max(cpuOf(f, 'replica-2')?.max ?? 0, cpuOf(f, 'replica-3')?.max ?? 0);
    const raised = (f: WindowFigures) => Math.max(20, (cpuOf(before, 'replica-1')?.max ?? 0) + 15, peers(f) + 15);
    const during = await figuresShowing(
      'replica-1 CPU well above its baseline and its peers',
      injectedAt,
      (f) => (cpuOf(f, 'replica-1')?.max ?? 0) >= raised(f) && f.members['replica-1']!.samples >= 3,
      1,
    );
    await provider.revert(recordOf(request, handle));
    const revertedAt = new Date();
    const after = await pollUntil('replica-1 CPU back under 30%', () => {
      const h = latestHost('replica-1');
      return h && h.at > revertedAt.getTime() + 500 && h.cpuPercent < 30 ? h : undefined;
    });
    const recoveryMs = await steadyAgain();
    measured['cpu-stress'] = {
      cpuBefore: cpuOf(before, 'replica-1'),
      cpuDuring: cpuOf(during, 'replica-1'),
      cpuAfter: after.cpuPercent,
      recoveryMs,
    };
  });

  test('memory-stress: the replica RSS rises by the requested megabytes, then is released', async () => {
    await steadyBaseline();
    const rssBefore = latestHost('replica-2')!.rssMb;
    const request = injectRequest('memory-stress', replica('replica-2'), { megabytes: 128 }, 5_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    const during = await figuresShowing(
      'replica-2 RSS up by 100 MB',
      injectedAt,
      (f) => (f.members['replica-2']?.rssMb.max ?? 0) >= rssBefore + 100,
      1,
    );
    await provider.revert(recordOf(request, handle));
    const after = await pollUntil('replica-2 RSS released', () => {
      const h = latestHost('replica-2');
      return h && h.rssMb < rssBefore + 40 ? h : undefined;
    });
    const recoveryMs = await steadyAgain();
    measured['memory-stress'] = {
      rssBefore,
      rssDuring: during.members['replica-2']!.rssMb.max,
      rssAfter: after.rssMb,
      recoveryMs,
    };
  });

  test('disk-stress: the replica disk use rises by the requested megabytes, and the file goes on revert', async () => {
    await steadyBaseline();
    const request = injectRequest('disk-stress', replica('replica-3'), { megabytes: 64 }, 5_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    const during = await figuresShowing(
      'replica-3 disk at 64 MB',
      injectedAt,
      (f) => (f.members['replica-3']?.diskMb.max ?? 0) >= 63.9,
      1,
    );
    await provider.revert(recordOf(request, handle));
    const after = await pollUntil('replica-3 disk empty', () => {
      const h = latestHost('replica-3');
      return h && h.diskMb === 0 ? h : undefined;
    });
    const recoveryMs = await steadyAgain();
    measured['disk-stress'] = {
      diskDuring: during.members['replica-3']!.diskMb.max,
      diskAfter: after.diskMb,
      recoveryMs,
    };
  });

  test('service-unavailable: one replica answers 503 to every request', async () => {
    await steadyBaseline();
    const request = injectRequest(
      'service-unavailable',
      replica('replica-1'),
      { statusCode: 503, percent: 100 },
      5_000,
    );
    const { handle } = await inject(request);
    const injectedAt = new Date();
    const during = await figuresShowing('availability below 85%', injectedAt, (f) => f.availabilityPercent! < 85, 20);
    expect(during.outcomes['503']).toBeGreaterThan(0);
    // Its health check still passes: a gray failure the load balancer cannot see.
    expect(fleet.replica('replica-1')!.healthy).toBe(true);
    await provider.revert(recordOf(request, handle));
    const recoveryMs = await steadyAgain();
    measured['service-unavailable'] = {
      availability: during.availabilityPercent,
      outcomes: during.outcomes,
      recoveryMs,
    };
  });

  test('database-failure: the dependency process stops, every request fails, the alarm fires, revert starts it again', async () => {
    await steadyBaseline();
    await pollUntil(
      'the availability alarm OK',
      () => monitor.alarmStates().find((a) => a.name === AVAILABILITY_ALARM)?.state === 'OK',
    );
    const pidBefore = fleet.dependency().pid!;
    const request = injectRequest('database-failure', db, { mode: 'stop' }, 8_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    expect(processExists(pidBefore)).toBe(false);
    expect(fleet.dependency()).toMatchObject({ up: false, state: 'held-down' });
    const during = await figuresShowing('availability below 20%', injectedAt, (f) => f.availabilityPercent! < 20, 15);
    const alarm = await pollUntil('an ALARM event', () =>
      alarmEvents.find(
        (e) =>
          e.detail.alarmName === AVAILABILITY_ALARM &&
          e.detail.state.value === 'ALARM' &&
          Date.parse(e.time) >= injectedAt.getTime() - 1_000,
      ),
    );
    const alarmAfterMs = Date.now() - injectedAt.getTime();
    expect(await monitor.inAlarm([AVAILABILITY_ALARM, 'not-a-local-alarm'])).toEqual({
      inAlarm: [AVAILABILITY_ALARM],
      missing: ['not-a-local-alarm'],
    });
    await provider.revert(recordOf(request, handle));
    expect(fleet.dependency().pid).not.toBe(pidBefore);
    const recoveryMs = await steadyAgain();
    await provider.revert(recordOf(request, handle)); // idempotent: nothing held any more
    await pollUntil('an OK event after the ALARM', () =>
      alarmEvents.find(
        (e) =>
          e.detail.alarmName === AVAILABILITY_ALARM &&
          e.detail.previousState.value === 'ALARM' &&
          e.detail.state.value === 'OK',
      ),
    );
    for (const e of alarmEvents) expect(() => CloudWatchAlarmStateChange.parse(e)).not.toThrow();
    measured['database-failure'] = {
      availability: during.availabilityPercent,
      outcomes: during.outcomes,
      recoveryMs,
      alarmAfterMs,
      alarmReason: alarm.detail.state.reason,
    };
  });

  test('dependency-timeout: calls to the dependency hang until the replicas give up after 1 s', async () => {
    await steadyBaseline();
    const request = injectRequest('dependency-timeout', db, {}, 5_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    const during = await figuresShowing(
      'p50 at the 1 s client timeout',
      injectedAt,
      (f) => f.latencyMs!.p50 >= 950,
      15,
    );
    expect(during.availabilityPercent).toBeLessThan(20);
    expect(during.outcomes['504']).toBeGreaterThan(0);
    await provider.revert(recordOf(request, handle));
    const recoveryMs = await steadyAgain();
    measured['dependency-timeout'] = {
      availability: during.availabilityPercent,
      latency: during.latencyMs,
      outcomes: during.outcomes,
      recoveryMs,
    };
  });

  test('dependency-timeout on one replica: only its calls hang, a third of the requests time out', async () => {
    await steadyBaseline();
    const request = injectRequest('dependency-timeout', replica('replica-2'), {}, 5_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    // A hung call is counted when it ends, a second later: wait for those to come in.
    const during = await figuresShowing(
      'p95 at the 1 s client timeout and failures',
      injectedAt,
      (f) => f.latencyMs!.p95 >= 950 && f.availabilityPercent! < 85,
      20,
    );
    expect(during.availabilityPercent).toBeGreaterThan(50);
    expect(during.outcomes['504']).toBeGreaterThan(0);
    expect(during.latencyMs!.p50).toBeLessThan(300);
    await provider.revert(recordOf(request, handle));
    const recoveryMs = await steadyAgain();
    measured['dependency-timeout one replica'] = {
      availability: during.availabilityPercent,
      latency: during.latencyMs,
      recoveryMs,
    };
  });

  test('instance-termination: the replica dies, the supervisor replaces it under the same name', async () => {
    await steadyBaseline();
    const pidBefore = fleet.replica('replica-2')!.pid!;
    const request = injectRequest('instance-termination', replica('replica-2'), {}, 5_000);
    const { handle } = await inject(request);
    const injectedAt = new Date();
    expect(processExists(pidBefore)).toBe(false);
    const down = await figuresShowing('2 healthy replicas', injectedAt, (f) => f.healthyReplicas?.min === 2, 1);
    await provider.revert(recordOf(request, handle)); // recovery is the supervisor's
    const back = await pollUntil('replica-2 replaced', () => {
      const r = fleet.replica('replica-2')!;
      return r.healthy && r.pid !== pidBefore ? r : undefined;
    });
    const replacedMs = Date.now() - injectedAt.getTime();
    const recoveryMs = await steadyAgain();
    const during = since(injectedAt);
    // A refused connection is retried on another replica: the loss of one replica barely shows.
    expect(during.availabilityPercent).toBeGreaterThanOrEqual(90);
    expect(back.restarts).toBeGreaterThanOrEqual(1);
    measured['instance-termination'] = {
      healthyReplicas: down.healthyReplicas,
      availability: during.availabilityPercent,
      replacedMs,
      recoveryMs,
    };
  });

  test('a fault ends by itself at its deadline, without revert', async () => {
    await steadyBaseline();
    const request = injectRequest(
      'service-unavailable',
      replica('replica-3'),
      { statusCode: 500, percent: 100 },
      1_500,
    );
    await inject(request);
    const injectedAt = new Date();
    const expiresAt = request.expiresAt.getTime();
    await figuresShowing('failures', injectedAt, (f) => f.failed > 0, 1);
    await pollUntil(
      'the fault gone from replica-3',
      async () => Date.now() > expiresAt && (await fleet.activeFaults())['replica-3']?.length === 0,
      { timeoutMs: 5_000 },
    );
    const recoveryMs = await steadyAgain(expiresAt);
    const failures = monitor.series.probes(injectedAt.getTime(), Date.now()).filter((p) => !p.ok);
    const lastFailure = Math.max(...failures.map((p) => p.at));
    // It lasted until its deadline and not (much) beyond: failures stop within a probe of expiresAt.
    expect(lastFailure).toBeGreaterThan(expiresAt - 750);
    expect(lastFailure).toBeLessThan(expiresAt + 1_000);
    measured['expiry in-process'] = {
      failures: failures.length,
      lastFailureVsDeadlineMs: lastFailure - expiresAt,
      recoveryMs,
    };
  });

  test('a held-down dependency starts again by itself at its deadline, without revert', async () => {
    await steadyBaseline();
    const request = injectRequest('database-failure', db, {}, 1_500);
    await inject(request);
    const expiresAt = request.expiresAt.getTime();
    expect(fleet.dependency().up).toBe(false);
    const upAt = await pollUntil('dependency up again', () => (fleet.dependency().up ? Date.now() : undefined), {
      timeoutMs: 6_000,
    });
    expect(upAt).toBeGreaterThanOrEqual(expiresAt);
    const recoveryMs = await steadyAgain();
    measured['expiry held-down'] = { upAfterDeadlineMs: upAt - expiresAt, recoveryMs };
  });

  test('leaves no process, port or temp file behind', async () => {
    const pids = fleet.spawnedPids();
    const tempDir = fleet.tempDir;
    const ports = [
      Number(new URL(fleet.loadBalancerUrl).port),
      ...fleet.replicas().map((r) => r.port!),
      fleet.dependency().port!,
    ];
    expect(pids.length).toBeGreaterThanOrEqual(6); // 4 at start, a replaced replica, a restarted dependency
    await monitor.stop();
    await fleet.stop();
    await fleet.stop(); // idempotent
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(tempDir)).toBe(false);
    for (const port of ports) expect(await portAccepts(port)).toBe(false);
  });
});
