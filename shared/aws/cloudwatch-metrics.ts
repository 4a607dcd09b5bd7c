import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import * as z from 'zod';
import type { Metrics } from '../domain/execution';
import type { Template } from '../domain/template';
import { FaultlineError } from '../errors';
import type { AlarmSource, MetricsSource, SeriesResult } from '../ports';
import { seriesOf, type PeriodFigures } from '../domain/series';
import { chunks } from './aws-error';

/** One CloudWatch metric and the statistic read from it. */
export interface MetricSpec {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** `Sum`, `Average`, `p95`, ... */
  stat: string;
}

export const PERCENTILES = ['p50', 'p90', 'p95', 'p99'] as const;
export type Percentile = (typeof PERCENTILES)[number];

/**
 * What to read for one template in one environment: request and error counts (availability is
 * `1 - errors / requests`) and latency percentiles.
 */
export interface MetricQuerySet {
  requests: MetricSpec;
  /** Summed. A count that CloudWatch did not publish is 0 when requests were measured (ALB publishes no zero counts). */
  errors: MetricSpec[];
  latency?: Partial<Record<Percentile, MetricSpec>>;
  /** Factor from the latency metric's unit to milliseconds: 1000 for ALB TargetResponseTime (seconds). */
  latencyToMs: number;
}

/**
 * The query set of an Application Load Balancer (optionally one of its target groups):
 * RequestCount, target and load-balancer 5XX counts, TargetResponseTime percentiles.
 *
 * `loadBalancer` and `targetGroup` are the CloudWatch dimension values (`app/my-alb/50dc6c495c0c9188`,
 * `targetgroup/my-tg/73e2d6bc24d8a067`). HTTPCode_ELB_5XX_Count exists per load balancer only, so
 * with a target group the errors may include other groups' 502/503s: the figure errs low, never high.
 * Those ELB-generated errors are the ones an instance loss causes, so they are not left out.
 */
export const albQueries = (alb: { loadBalancer: string; targetGroup?: string }): MetricQuerySet => {
  const lb = { LoadBalancer: alb.loadBalancer };
  const scoped = alb.targetGroup ? { ...lb, TargetGroup: alb.targetGroup } : lb;
  const metric = (metricName: string, dimensions: Record<string, string>, stat: string): MetricSpec => ({
    namespace: 'AWS/ApplicationELB',
    metricName,
    dimensions,
    stat,
  });
  return {
    requests: metric('RequestCount', scoped, 'Sum'),
    errors: [metric('HTTPCode_Target_5XX_Count', scoped, 'Sum'), metric('HTTPCode_ELB_5XX_Count', lb, 'Sum')],
    latency: Object.fromEntries(PERCENTILES.map((p) => [p, metric('TargetResponseTime', scoped, p)])),
    latencyToMs: 1000,
  };
};

const metricSpecSchema = z
  .object({
    namespace: z.string().min(1),
    metricName: z.string().min(1),
    dimensions: z.record(z.string(), z.string()).default({}),
    stat: z.string().min(1),
  })
  .strict();

const querySetSchema = z.union([
  z
    .object({ alb: z.object({ loadBalancer: z.string().min(1), targetGroup: z.string().min(1).optional() }).strict() })
    .strict()
    .transform((v) => albQueries(v.alb)),
  z
    .object({
      requests: metricSpecSchema,
      errors: z.array(metricSpecSchema).default([]),
      latency: z
        .object(Object.fromEntries(PERCENTILES.map((p) => [p, metricSpecSchema.optional()])))
        .strict()
        .optional(),
      latencyToMs: z.number().positive().default(1),
    })
    .strict()
    .transform((v): MetricQuerySet => v as MetricQuerySet),
]);

/**
 * The metric configuration of a stack (environment variable METRIC_QUERIES, JSON): a default query
 * set and one per template id, each either `{ "alb": { "loadBalancer", "targetGroup" } }` or a
 * full MetricQuerySet.
 */
export const metricQueryConfigSchema = z
  .object({
    default: querySetSchema.optional(),
    templates: z.record(z.string(), querySetSchema).default({}),
  })
  .strict();

export type MetricQueryConfig = z.output<typeof metricQueryConfigSchema>;

/** CloudWatch could not answer (the call failed). */
export class MetricsUnavailableError extends FaultlineError {}

export interface CloudWatchMetricsOptions {
  /** The query set of a template; a template without one measures nothing (INCONCLUSIVE, never PASSED). */
  queries: MetricQueryConfig | ((template: Template) => MetricQuerySet | undefined);
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** One query's answer over all pages: values with their periods' start times, and its status. */
interface Fetched {
  values: number[];
  timestamps: number[];
  status?: string;
}

/** The queries of a set, ids `requests`, `errors<i>`, `latency<p>`, at one period. */
const queriesOf = (set: MetricQuerySet, period: number) => {
  const query = (id: string, m: MetricSpec): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: m.namespace,
        MetricName: m.metricName,
        Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: period,
      Stat: m.stat,
    },
    ReturnData: true,
  });
  const latency = PERCENTILES.flatMap((p) => (set.latency?.[p] ? [[p, set.latency[p]] as const] : []));
  return {
    latency,
    queries: [
      query('requests', set.requests),
      ...set.errors.map((m, i) => query(`errors${i}`, m)),
      ...latency.map(([p, m]) => query(`latency${p}`, m)),
    ],
  };
};

/** MetricsSource on CloudWatch GetMetricData. */
export class CloudWatchMetricsSource implements MetricsSource {
  private readonly queriesFor: (template: Template) => MetricQuerySet | undefined;

  constructor(
    private readonly cloudWatch: CloudWatchClient,
    options: CloudWatchMetricsOptions,
  ) {
    const q = options.queries;
    this.queriesFor = typeof q === 'function' ? q : (template) => q.templates[template.id] ?? q.default;
  }

  async measure(template: Template, window: { from: Date; to: Date }): Promise<Metrics> {
    const base: Metrics = { from: window.from.toISOString(), to: window.to.toISOString() };
    const set = this.queriesFor(template);
    const windowSeconds = (window.to.getTime() - window.from.getTime()) / 1000;
    if (!set || windowSeconds <= 0) return base;

    // One period as long as the window: a percentile of the whole window, not an average of
    // per-minute percentiles. CloudWatch accepts multiples of 60 s for standard metrics.
    const period = Math.max(60, Math.ceil(windowSeconds / 60) * 60);
    const { latency, queries } = queriesOf(set, period);

    const results = await this.fetch(queries, window);
    const values = (id: string): number[] => results.get(id)?.values ?? [];
    const complete = (id: string): boolean => results.get(id)?.status !== 'InternalError';

    const metrics: Metrics = { ...base };
    const requestValues = values('requests');
    if (requestValues.length > 0 && complete('requests')) {
      const requests = sum(requestValues);
      metrics.requests = requests;
      const errorIds = set.errors.map((_, i) => `errors${i}`);
      // An error count CloudWatch could not read is unknown, not zero: no availability then.
      if (requests > 0 && errorIds.every(complete)) {
        const errors = sum(errorIds.flatMap(values));
        metrics.availabilityPercent = Math.min(100, Math.max(0, (1 - errors / requests) * 100));
      }
    }
    const latencyMs: NonNullable<Metrics['latencyMs']> = {};
    for (const [p] of latency) {
      const v = values(`latency${p}`);
      // With two buckets (a window across a period boundary) the worse one is kept: conservative.
      if (v.length > 0 && complete(`latency${p}`)) latencyMs[p] = Math.max(...v) * set.latencyToMs;
    }
    if (Object.keys(latencyMs).length > 0) metrics.latencyMs = latencyMs;
    return metrics;
  }

  /**
   * The same queries per period: CloudWatch periods are whole minutes for standard metrics, so
   * the period is rounded up to one. A point where CloudWatch has no datapoint is null (ALB
   * publishes no zero counts, so a period with requests but no error count has no errors).
   */
  async timeSeries(template: Template, window: { from: Date; to: Date }, periodSeconds: number): Promise<SeriesResult> {
    const period = Math.max(60, Math.ceil(periodSeconds / 60) * 60);
    const set = this.queriesFor(template);
    if (!set || window.to.getTime() <= window.from.getTime()) return { periodSeconds: period, series: [] };
    const { latency, queries } = queriesOf(set, period);
    const results = await this.fetch(queries, window);
    const byTime = (id: string): Map<number, number> | undefined => {
      const r = results.get(id);
      if (!r || r.status === 'InternalError') return undefined;
      return new Map(r.timestamps.map((t, i) => [t, r.values[i]!]));
    };
    const requests = byTime('requests');
    const errors = set.errors.map((_, i) => byTime(`errors${i}`));
    const latencies = latency.map(([p]) => [p, byTime(`latency${p}`)] as const);
    const starts = new Set<number>();
    for (const r of results.values()) for (const t of r.timestamps) starts.add(t);
    const periods = [...starts]
      .sort((a, b) => a - b)
      .map((start): PeriodFigures => {
        const count = requests?.get(start);
        const figures: PeriodFigures = { start };
        if (count !== undefined) {
          figures.requests = count;
          if (count > 0 && errors.every((e) => e !== undefined)) {
            const failed = sum(errors.map((e) => e!.get(start) ?? 0));
            figures.availabilityPercent = Math.min(100, Math.max(0, (1 - failed / count) * 100));
          }
        }
        const latencyMs: NonNullable<PeriodFigures['latencyMs']> = {};
        for (const [p, values] of latencies) {
          const v = values?.get(start);
          if (v !== undefined) latencyMs[p] = v * set.latencyToMs;
        }
        if (Object.keys(latencyMs).length) figures.latencyMs = latencyMs;
        return figures;
      });
    return { periodSeconds: period, series: seriesOf(periods, period) };
  }

  private async fetch(queries: MetricDataQuery[], window: { from: Date; to: Date }): Promise<Map<string, Fetched>> {
    const results = new Map<string, Fetched>();
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await this.cloudWatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: window.from,
            EndTime: window.to,
            ScanBy: 'TimestampAscending',
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
      } catch (error) {
        throw new MetricsUnavailableError('CloudWatch GetMetricData failed', { cause: error });
      }
      for (const r of page.MetricDataResults ?? []) this.merge(results, r);
      nextToken = page.NextToken;
    } while (nextToken);
    return results;
  }

  private merge(results: Map<string, Fetched>, r: MetricDataResult): void {
    if (!r.Id) return;
    const entry = results.get(r.Id) ?? { values: [], timestamps: [] };
    entry.values.push(...(r.Values ?? []));
    entry.timestamps.push(...(r.Timestamps ?? []).map((t) => new Date(t).getTime()));
    // InternalError on any page makes the whole series unknown; PartialData is completed by paging.
    if (r.StatusCode === 'InternalError' || entry.status === undefined) entry.status = r.StatusCode;
    results.set(r.Id, entry);
  }
}

/** DescribeAlarms takes at most 100 names per call. */
const ALARM_NAMES_PER_CALL = 100;

/** AlarmSource on CloudWatch DescribeAlarms: metric and composite alarms alike. */
export class CloudWatchAlarmSource implements AlarmSource {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async inAlarm(alarmNames: readonly string[]): Promise<{ inAlarm: string[]; missing: string[] }> {
    const wanted = [...new Set(alarmNames)];
    const states = new Map<string, string | undefined>();
    for (const names of chunks(wanted, ALARM_NAMES_PER_CALL)) {
      let nextToken: string | undefined;
      do {
        let page;
        try {
          page = await this.cloudWatch.send(
            new DescribeAlarmsCommand({
              AlarmNames: names,
              // Without AlarmTypes only metric alarms are returned, and a composite stop
              // condition would look missing.
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              MaxRecords: ALARM_NAMES_PER_CALL,
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          );
        } catch (error) {
          throw new MetricsUnavailableError('CloudWatch DescribeAlarms failed', { cause: error });
        }
        for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (a.AlarmName) states.set(a.AlarmName, a.StateValue);
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    return {
      inAlarm: wanted.filter((n) => states.get(n) === 'ALARM'),
      missing: wanted.filter((n) => !states.has(n)),
    };
  }
}
