import type { Execution, FaultRecord } from './execution';

/**
 * The figures of one execution over time (docs/architecture.md §3, "Series"): what its criteria
 * measure, as time series over baseline, injection, observation and recovery, with the moments
 * that matter marked. Stored with the execution, never carried by ExperimentCompleted.
 */

/** One measured figure over time. */
export interface Series {
  /** Stable name: `availabilityPercent`, `p50LatencyMs`, `p95LatencyMs`, `p99LatencyMs`, `requestsPerSecond`, ... */
  name: string;
  /** What a reader sees: "Availability", "p95 latency". */
  label: string;
  /** `%`, `ms`, `req/s`. */
  unit: string;
  /** [epoch milliseconds of the period's start, value or null when nothing was measured in the period]. */
  points: [number, number | null][];
}

export type MarkerKind = 'fault-injected' | 'fault-reverted' | 'stop-condition' | 'recovery-confirmed';

/** A moment that matters, drawn on every chart. */
export interface Marker {
  at: string;
  kind: MarkerKind;
  label: string;
}

export type SpanName = 'baseline' | 'injection' | 'observation' | 'recovery';

/** A stretch of the run, shaded on every chart. */
export interface Span {
  name: SpanName;
  from: string;
  to: string;
}

/** An execution's series document. `unavailable` says why there are no series (the source failed or had none). */
export interface ExecutionSeries {
  from: string;
  to: string;
  /** Length of one point's period. */
  periodSeconds: number;
  series: Series[];
  spans: Span[];
  markers: Marker[];
  unavailable?: string;
}

/** Most points one series keeps: the period grows with the window so that an item stays far below 400 KB. */
const MAX_POINTS = 360;

/** The period (whole seconds, at least `minimumSeconds`) that covers [from, to] in at most MAX_POINTS points. */
export const periodFor = (from: Date, to: Date, minimumSeconds: number): number => {
  const spanSeconds = Math.max(0, (to.getTime() - from.getTime()) / 1000);
  return Math.max(minimumSeconds, Math.ceil(spanSeconds / MAX_POINTS));
};

/** What one period measured; a figure left out was not measured. */
export interface PeriodFigures {
  /** Epoch milliseconds of the period's start. */
  start: number;
  requests?: number;
  availabilityPercent?: number;
  latencyMs?: { p50?: number; p90?: number; p95?: number; p99?: number };
  /** Other measured figures by series name (see `extraSeries`). */
  extra?: Record<string, number>;
}

/** A figure beyond the standard ones that a source measures (the local monitor: members' CPU). */
export interface ExtraSeries {
  name: string;
  label: string;
  unit: string;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * The standard series of periods (availability, p50/p95/p99 latency, request rate) and any
 * extra ones; a series with nothing measured in any period is left out.
 */
export const seriesOf = (
  periods: readonly PeriodFigures[],
  periodSeconds: number,
  extras: readonly ExtraSeries[] = [],
): Series[] => {
  const defs: { name: string; label: string; unit: string; value: (p: PeriodFigures) => number | undefined }[] = [
    { name: 'availabilityPercent', label: 'Availability', unit: '%', value: (p) => p.availabilityPercent },
    { name: 'p50LatencyMs', label: 'p50 latency', unit: 'ms', value: (p) => p.latencyMs?.p50 },
    { name: 'p95LatencyMs', label: 'p95 latency', unit: 'ms', value: (p) => p.latencyMs?.p95 },
    { name: 'p99LatencyMs', label: 'p99 latency', unit: 'ms', value: (p) => p.latencyMs?.p99 },
    {
      name: 'requestsPerSecond',
      label: 'Request rate',
      unit: 'req/s',
      value: (p) => (p.requests === undefined ? undefined : p.requests / periodSeconds),
    },
    ...extras.map((e) => ({ ...e, value: (p: PeriodFigures) => p.extra?.[e.name] })),
  ];
  return defs.flatMap((d) => {
    const points = periods.map((p): [number, number | null] => {
      const v = d.value(p);
      return [p.start, v === undefined || !Number.isFinite(v) ? null : round(v)];
    });
    return points.some(([, v]) => v !== null) ? [{ name: d.name, label: d.label, unit: d.unit, points }] : [];
  });
};

/** Facts of an execution that place its spans and markers. */
type Placed = Pick<
  Execution,
  | 'requestedAt'
  | 'baseline'
  | 'injectedAt'
  | 'revertedAt'
  | 'observationEndsAt'
  | 'recoveredAt'
  | 'completedAt'
  | 'updatedAt'
  | 'safety'
>;
type PlacedFault = Pick<FaultRecord, 'action' | 'target' | 'armedAt' | 'injectedAt' | 'revertedAt'>;

const earliest = (times: readonly (string | undefined)[]): string | undefined =>
  times.filter((t): t is string => !!t).sort()[0];
const latest = (times: readonly (string | undefined)[]): string | undefined =>
  times
    .filter((t): t is string => !!t)
    .sort()
    .at(-1);

/**
 * Where an execution's stretches lie and what happened when: baseline (the measured baseline
 * window), injection (first fault armed → all injected), observation (injected → reverted),
 * recovery (reverted → recovery confirmed, or the end); each fault injected and reverted, a
 * stop condition, recovery confirmed. A stretch that never began is left out.
 */
export const placeOf = (
  execution: Placed,
  faults: readonly PlacedFault[],
): { from: string; to: string; spans: Span[]; markers: Marker[] } => {
  const spans: Span[] = [];
  const span = (name: SpanName, from: string | undefined, to: string | undefined) => {
    if (from && to && from <= to) spans.push({ name, from, to });
  };
  const end = execution.completedAt ?? execution.updatedAt;
  const injected = execution.injectedAt ?? latest(faults.map((f) => f.injectedAt));
  const reverted = execution.revertedAt ?? latest(faults.map((f) => f.revertedAt));
  span('baseline', execution.baseline?.from, execution.baseline?.to);
  span('injection', earliest(faults.map((f) => f.armedAt)), injected);
  span('observation', injected, reverted ?? execution.observationEndsAt);
  span('recovery', reverted, execution.recoveredAt ?? (reverted ? end : undefined));

  const markers: Marker[] = [];
  for (const f of faults) {
    if (f.injectedAt)
      markers.push({ at: f.injectedAt, kind: 'fault-injected', label: `${f.action} injected on ${f.target.id}` });
    if (f.revertedAt)
      markers.push({ at: f.revertedAt, kind: 'fault-reverted', label: `${f.action} reverted on ${f.target.id}` });
  }
  if (execution.safety.violated && execution.safety.at) {
    // The label names what fired (a reason's first clause); the whole reason is in the result's safety.
    const what = (execution.safety.reason ?? execution.safety.source ?? 'safety violation')
      .split(': ')[0]!
      .slice(0, 80);
    const label = what.startsWith('stop') ? what : `stop condition: ${what}`;
    markers.push({ at: execution.safety.at, kind: 'stop-condition', label });
  }
  if (execution.recoveredAt)
    markers.push({ at: execution.recoveredAt, kind: 'recovery-confirmed', label: 'recovery confirmed' });
  markers.sort((a, b) => a.at.localeCompare(b.at));

  const from = earliest([execution.baseline?.from, execution.requestedAt, ...spans.map((s) => s.from)])!;
  const to = latest([end, ...spans.map((s) => s.to), ...markers.map((m) => m.at)])!;
  return { from, to, spans, markers };
};
