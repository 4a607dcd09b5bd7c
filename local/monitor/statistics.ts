import type { HealthSample, HostSample, ProbeSample } from './series';

/** Nearest-rank percentile of values sorted ascending; undefined for no values. */
export const percentile = (sorted: readonly number[], p: number): number | undefined => {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
};

const round = (value: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** What the probes of a window show. A figure with nothing measured is undefined, never 0. */
export interface ProbeSummary {
  requests: number;
  failed: number;
  availabilityPercent?: number;
  latencyMs?: LatencyPercentiles;
  /** Answers by status code, and failures without one by reason (`timeout`, `ECONNRESET`). */
  outcomes: Record<string, number>;
}

export const summarizeProbes = (samples: readonly ProbeSample[]): ProbeSummary => {
  const outcomes: Record<string, number> = {};
  let failed = 0;
  for (const s of samples) {
    if (!s.ok) failed += 1;
    const key = s.status !== undefined ? String(s.status) : (s.error ?? 'error');
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  if (samples.length === 0) return { requests: 0, failed: 0, outcomes };
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  return {
    requests: samples.length,
    failed,
    availabilityPercent: round(((samples.length - failed) / samples.length) * 100, 3),
    latencyMs: {
      p50: round(percentile(latencies, 50)!),
      p90: round(percentile(latencies, 90)!),
      p95: round(percentile(latencies, 95)!),
      p99: round(percentile(latencies, 99)!),
    },
    outcomes,
  };
};

/** Host figures of one member over a window. */
export interface MemberFigures {
  role: HostSample['role'];
  samples: number;
  pids: number[];
  cpuPercent: { avg: number; max: number };
  rssMb: { avg: number; max: number };
  diskMb: { avg: number; max: number };
}

export const summarizeHosts = (samples: readonly HostSample[]): Record<string, MemberFigures> => {
  const byName = new Map<string, HostSample[]>();
  for (const s of samples) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const out: Record<string, MemberFigures> = {};
  for (const [name, list] of byName) {
    const stat = (pick: (s: HostSample) => number) => ({
      avg: round(list.reduce((sum, s) => sum + pick(s), 0) / list.length),
      max: round(Math.max(...list.map(pick))),
    });
    out[name] = {
      role: list[0]!.role,
      samples: list.length,
      pids: [...new Set(list.map((s) => s.pid))],
      cpuPercent: stat((s) => s.cpuPercent),
      rssMb: stat((s) => s.rssMb),
      diskMb: stat((s) => s.diskMb),
    };
  }
  return out;
};

export const summarizeHealth = (samples: readonly HealthSample[]): { min: number; max: number } | undefined =>
  samples.length === 0
    ? undefined
    : {
        min: Math.min(...samples.map((s) => s.healthyReplicas)),
        max: Math.max(...samples.map((s) => s.healthyReplicas)),
      };
