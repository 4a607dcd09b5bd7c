/**
 * The figures of one execution over time (docs/architecture.md §4, "Series"): what its criteria
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
export const MAX_POINTS = 360;

/** The period (whole seconds, at least `minimumSeconds`) that covers [from, to] in at most MAX_POINTS points. */
export const periodFor = (from: Date, to: Date, minimumSeconds: number): number => {
  const spanSeconds = Math.max(0, (to.getTime() - from.getTime()) / 1000);
  return Math.max(minimumSeconds, Math.ceil(spanSeconds / MAX_POINTS));
};
