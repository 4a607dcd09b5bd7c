import type { MemberRole } from '../fleet';

/** One probe through the load balancer, stamped when its outcome was known. */
export interface ProbeSample {
  /** Epoch ms when the probe completed (answered, failed or timed out). */
  at: number;
  ok: boolean;
  latencyMs: number;
  status?: number;
  /** Why it failed when there was no status (`timeout`, `ECONNRESET`...). */
  error?: string;
}

/** Host figures of one member at one time (what the CloudWatch agent reports on an instance). */
export interface HostSample {
  at: number;
  name: string;
  role: MemberRole;
  pid: number;
  cpuPercent: number;
  rssMb: number;
  diskMb: number;
}

/** The fleet's health as the load balancer sees it at one time. */
export interface HealthSample {
  at: number;
  healthyReplicas: number;
  replicas: number;
  dependencyUp: boolean;
}

/** Samples in time order, with [from, to) window queries and a retention limit. */
class TimeSeries<T extends { at: number }> {
  private readonly items: T[] = [];

  add(item: T): void {
    const last = this.items[this.items.length - 1];
    if (!last || last.at <= item.at) this.items.push(item);
    else this.items.splice(this.indexOf(item.at + 1), 0, item);
  }

  /** Items with from <= at < to. */
  between(from: number, to: number): T[] {
    return this.items.slice(this.indexOf(from), this.indexOf(to));
  }

  latest(): T | undefined {
    return this.items[this.items.length - 1];
  }

  dropBefore(at: number): void {
    const n = this.indexOf(at);
    if (n > 0) this.items.splice(0, n);
  }

  get size(): number {
    return this.items.length;
  }

  /** First index whose `at` is >= `at`. */
  private indexOf(at: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Everything the local monitor measured, kept for `retentionMs`. */
export class MetricSeries {
  private readonly probeSeries = new TimeSeries<ProbeSample>();
  private readonly hostSeries = new TimeSeries<HostSample>();
  private readonly healthSeries = new TimeSeries<HealthSample>();
  private readonly latestHost = new Map<string, HostSample>();

  constructor(readonly retentionMs = 30 * 60_000) {}

  recordProbe(sample: ProbeSample): void {
    this.probeSeries.add(sample);
  }

  recordHost(sample: HostSample): void {
    this.hostSeries.add(sample);
    const previous = this.latestHost.get(sample.name);
    if (!previous || previous.at <= sample.at) this.latestHost.set(sample.name, sample);
  }

  recordHealth(sample: HealthSample): void {
    this.healthSeries.add(sample);
  }

  probes(from: number, to: number): ProbeSample[] {
    return this.probeSeries.between(from, to);
  }

  hosts(from: number, to: number): HostSample[] {
    return this.hostSeries.between(from, to);
  }

  health(from: number, to: number): HealthSample[] {
    return this.healthSeries.between(from, to);
  }

  /** The newest host sample of each member. */
  latestHosts(): HostSample[] {
    return [...this.latestHost.values()];
  }

  latestHealth(): HealthSample | undefined {
    return this.healthSeries.latest();
  }

  get probeCount(): number {
    return this.probeSeries.size;
  }

  prune(now: number): void {
    const before = now - this.retentionMs;
    this.probeSeries.dropBefore(before);
    this.hostSeries.dropBefore(before);
    this.healthSeries.dropBefore(before);
  }
}
