import type { ExecutionSeries, Marker, Series } from '../../shared/domain/series';
import type { ResultDocument } from '../../shared/report/document';
import type { GameDayReport } from '../../shared/report/html';

/**
 * Result documents with realistic series, as the demo game day's three experiments produce them,
 * for the report tests (HTML and browser): a replica killed and recovered (PASSED), latency that
 * trips the p95 alarm (ABORTED), the database stopped with no fallback (FAILED).
 */

const T0 = Date.parse('2026-11-29T18:00:00.000Z');
const PERIOD = 5;
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

/** Points every PERIOD seconds over [0, 150) s from `value(t)`; null where it answers null. */
const points = (value: (t: number) => number | null): [number, number | null][] =>
  Array.from({ length: 30 }, (_, i) => [T0 + i * PERIOD * 1000, value(i * PERIOD)]);

const during = (t: number, from: number, to: number) => t >= from && t < to;

export const seriesOf = (shape: {
  availability: (t: number) => number | null;
  p95: (t: number) => number | null;
  markers: Marker[];
}): ExecutionSeries => {
  const series: Series[] = [
    { name: 'availabilityPercent', label: 'Availability', unit: '%', points: points(shape.availability) },
    { name: 'p95LatencyMs', label: 'p95 latency', unit: 'ms', points: points(shape.p95) },
    {
      name: 'requestsPerSecond',
      label: 'Requests',
      unit: 'req/s',
      points: points((t) => (t === 60 ? null : 20 + ((t * 7) % 5))),
    },
  ];
  return {
    from: iso(0),
    to: iso(150),
    periodSeconds: PERIOD,
    series,
    spans: [
      { name: 'baseline', from: iso(0), to: iso(30) },
      { name: 'injection', from: iso(30), to: iso(35) },
      { name: 'observation', from: iso(35), to: iso(95) },
      { name: 'recovery', from: iso(95), to: iso(130) },
    ],
    markers: shape.markers,
  };
};

/** A result document (cast: the timeline's optional `error` makes the inferred type stricter than a literal). */
const base = (overrides: Partial<ResultDocument>): ResultDocument =>
  ({
    executionId: 'exec-0',
    experimentId: 'demo-instance-termination',
    templateVersion: 1,
    status: 'COMPLETED',
    verdict: 'PASSED',
    environment: 'local',
    dryRun: false,
    trigger: { type: 'gameday', gameDay: { suite: 'demo', runId: 'run-1' } },
    criteria: [
      { type: 'availability', expected: '>= 95%', actual: '97.1%', passed: true },
      { type: 'recoveryTime', expected: '<= 30s', actual: '15s', passed: true },
    ],
    metrics: { availabilityPercent: 97.1, p95LatencyMs: 24, recoverySeconds: 15 },
    safety: { violated: false, reason: null },
    faults: [
      {
        action: 'kill-replica',
        faultType: 'instance-termination',
        target: 'replica-2',
        targetKey: 'local:replica:2',
        state: 'REVERTED',
        injectedAt: iso(32),
        revertedAt: iso(95),
      },
    ],
    reasons: [],
    requestedAt: iso(0),
    completedAt: iso(130),
    timeline: [
      { at: iso(1), phase: 'prepare', event: 'ExperimentRequested', outcome: 'ok' },
      { at: iso(32), phase: 'inject', event: 'FaultInjected', outcome: 'ok' },
      { at: iso(95), phase: 'revert', event: 'FaultReverted', outcome: 'ok' },
      { at: iso(110), phase: 'recover', event: 'RecoveryConfirmed', outcome: 'ok' },
      { at: iso(130), phase: 'validate', event: 'ExperimentCompleted', outcome: 'ok' },
    ],
    score: 100,
    series: null,
    ...overrides,
  }) as ResultDocument;

export const passedDocument = (): ResultDocument =>
  base({
    executionId: '6c1f0d2e-passed',
    series: seriesOf({
      availability: (t) => (during(t, 35, 50) ? 90 + (t % 10) / 2 : 100),
      p95: (t) => (during(t, 35, 50) ? 60 : 22 + (t % 3)),
      markers: [
        { at: iso(32), kind: 'fault-injected', label: 'kill-replica injected' },
        { at: iso(95), kind: 'fault-reverted', label: 'kill-replica reverted' },
        { at: iso(110), kind: 'recovery-confirmed', label: 'steady again' },
      ],
    }),
  });

export const abortedDocument = (): ResultDocument =>
  base({
    executionId: '9a7b3c4d-aborted',
    experimentId: 'demo-network-latency',
    status: 'ABORTED',
    verdict: 'FAILED',
    criteria: [{ type: 'latency', expected: 'p95 <= 500ms', actual: '1540ms', passed: false }],
    metrics: { availabilityPercent: 100, p95LatencyMs: 1540, recoverySeconds: 4 },
    safety: { violated: true, reason: 'stop condition: alarm demo-p95-latency is ALARM' },
    reasons: ['stop condition: alarm demo-p95-latency is ALARM'],
    faults: [
      {
        action: 'slow-replica',
        faultType: 'network-latency',
        target: 'replica-1',
        targetKey: 'local:replica:1',
        state: 'REVERTED',
        injectedAt: iso(32),
        revertedAt: iso(61),
      },
    ],
    score: 0,
    series: seriesOf({
      availability: () => 100,
      p95: (t) => (during(t, 35, 65) ? 1400 + (t % 4) * 40 : 21),
      markers: [
        { at: iso(32), kind: 'fault-injected', label: 'slow-replica injected' },
        { at: iso(60), kind: 'stop-condition', label: 'alarm demo-p95-latency' },
        { at: iso(61), kind: 'fault-reverted', label: 'slow-replica reverted' },
        { at: iso(66), kind: 'recovery-confirmed', label: 'steady again' },
      ],
    }),
  });

export const failedDocument = (): ResultDocument =>
  base({
    executionId: '2e8f5a6b-failed',
    experimentId: 'demo-dependency-failure',
    verdict: 'FAILED',
    criteria: [
      { type: 'availability', expected: '>= 99%', actual: '0%', passed: false },
      { type: 'recoveryTime', expected: '<= 20s', actual: '3.01s', passed: true },
    ],
    metrics: { availabilityPercent: 0, p95LatencyMs: 5, recoverySeconds: 3.01 },
    reasons: ['availability: expected >= 99%, got 0%'],
    faults: [
      {
        action: 'stop-db',
        faultType: 'database-failure',
        target: 'db',
        targetKey: 'local:dependency:db',
        state: 'REVERTED',
        injectedAt: iso(32),
        revertedAt: iso(95),
      },
    ],
    score: 50,
    series: seriesOf({
      availability: (t) => (during(t, 35, 95) ? 0 : 100),
      p95: (t) => (during(t, 35, 95) ? 5 : 23),
      markers: [
        { at: iso(32), kind: 'fault-injected', label: 'stop-db injected' },
        { at: iso(95), kind: 'fault-reverted', label: 'stop-db reverted' },
        { at: iso(98), kind: 'recovery-confirmed', label: 'steady again' },
      ],
    }),
  });

export const demoGameDay = (): GameDayReport => ({
  suite: 'demo',
  runId: 'run-1',
  status: 'COMPLETED',
  verdict: 'FAILED',
  score: 50,
  results: [passedDocument(), abortedDocument(), failedDocument()],
});

export { base as resultDocumentWith };
