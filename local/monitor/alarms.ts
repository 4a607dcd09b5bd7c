import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { ConfigurationError } from '../../shared/errors';
import type { BusEvent } from '../../shared/ports';
import type { MetricSeries } from './series';
import { percentile } from './statistics';

/** What a local alarm watches. */
export const ALARM_METRICS = [
  'availability',
  'errorRate',
  'p95LatencyMs',
  'p99LatencyMs',
  'replicaCpuPercent',
  'replicaMemoryMb',
  'replicaDiskMb',
  'healthyReplicas',
] as const;
export type AlarmMetric = (typeof ALARM_METRICS)[number];

export const COMPARISONS = [
  'GreaterThanThreshold',
  'LessThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

export const ALARM_STATE_VALUES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmStateValue = (typeof ALARM_STATE_VALUES)[number];

/** A metric alarm of the local environment, evaluated the way CloudWatch does (M out of N). */
export const alarmDefinitionSchema = z
  .object({
    name: z.string().min(1).max(255),
    description: z.string().max(1024).optional(),
    metric: z.enum(ALARM_METRICS),
    comparison: z.enum(COMPARISONS),
    threshold: z.number().finite(),
    /** Length of one datapoint; sub-second periods are allowed for tests. */
    periodSeconds: z.number().min(0.1).max(86_400),
    /** N: how many recent datapoints are looked at. */
    evaluationPeriods: z.number().int().min(1).max(100),
    /** M: how many of them must breach for ALARM. */
    datapointsToAlarm: z.number().int().min(1).max(100),
  })
  .strict()
  .refine((d) => d.datapointsToAlarm <= d.evaluationPeriods, {
    message: 'datapointsToAlarm must not exceed evaluationPeriods',
    path: ['datapointsToAlarm'],
  });

export type AlarmDefinition = z.output<typeof alarmDefinitionSchema>;

/**
 * The local environment's alarms, usable as template stop conditions. Periods are short because
 * local experiments last seconds to minutes, not hours.
 */
export const DEFAULT_LOCAL_ALARMS: readonly AlarmDefinition[] = [
  {
    name: 'faultline-local-availability',
    description: 'Share of successful probes through the load balancer fell below 95%',
    metric: 'availability',
    comparison: 'LessThanThreshold',
    threshold: 95,
    periodSeconds: 5,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  },
  {
    name: 'faultline-local-p95-latency',
    description: 'p95 probe latency through the load balancer above 1000 ms',
    metric: 'p95LatencyMs',
    comparison: 'GreaterThanThreshold',
    threshold: 1_000,
    periodSeconds: 5,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  },
  {
    name: 'faultline-local-healthy-replicas',
    description: 'Fewer than 2 replicas in service behind the load balancer',
    metric: 'healthyReplicas',
    comparison: 'LessThanThreshold',
    threshold: 2,
    periodSeconds: 5,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
  },
  {
    name: 'faultline-local-replica-cpu',
    description: 'A replica used more than 95% CPU',
    metric: 'replicaCpuPercent',
    comparison: 'GreaterThanThreshold',
    threshold: 95,
    periodSeconds: 5,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
  },
  {
    name: 'faultline-local-replica-memory',
    description: 'A replica holds more than 1024 MB of memory',
    metric: 'replicaMemoryMb',
    comparison: 'GreaterThanThreshold',
    threshold: 1_024,
    periodSeconds: 5,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
  },
  {
    name: 'faultline-local-replica-disk',
    description: 'A replica uses more than 1024 MB in its disk directory',
    metric: 'replicaDiskMb',
    comparison: 'GreaterThanThreshold',
    threshold: 1_024,
    periodSeconds: 5,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
  },
];

/** Validates alarm definitions at construction: every problem is reported, duplicate names too. */
export const parseAlarmDefinitions = (definitions: readonly unknown[]): AlarmDefinition[] => {
  const problems: string[] = [];
  const parsed: AlarmDefinition[] = [];
  definitions.forEach((candidate, index) => {
    const result = alarmDefinitionSchema.safeParse(candidate);
    if (!result.success) {
      for (const issue of result.error.issues)
        problems.push(`alarms.${index}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
    } else if (parsed.some((d) => d.name === result.data.name)) {
      problems.push(`alarms.${index}.name: duplicate alarm name "${result.data.name}"`);
    } else {
      parsed.push(result.data);
    }
  });
  if (problems.length > 0) throw new ConfigurationError(`invalid local alarm definitions: ${problems.join('; ')}`);
  return parsed;
};

/** How each metric is named, aggregated and shown as a CloudWatch metric. */
const METRIC_INFO: Record<AlarmMetric, { name: string; stat: string; unit: string }> = {
  availability: { name: 'Availability', stat: 'Average', unit: 'Percent' },
  errorRate: { name: 'ErrorRate', stat: 'Average', unit: 'Percent' },
  p95LatencyMs: { name: 'Latency', stat: 'p95', unit: 'Milliseconds' },
  p99LatencyMs: { name: 'Latency', stat: 'p99', unit: 'Milliseconds' },
  replicaCpuPercent: { name: 'CPUUtilization', stat: 'Maximum', unit: 'Percent' },
  replicaMemoryMb: { name: 'MemoryUsedMb', stat: 'Maximum', unit: 'Megabytes' },
  replicaDiskMb: { name: 'DiskUsedMb', stat: 'Maximum', unit: 'Megabytes' },
  healthyReplicas: { name: 'HealthyHostCount', stat: 'Minimum', unit: 'Count' },
};

export const LOCAL_METRIC_NAMESPACE = 'Faultline/Local';

/** One datapoint: a period [start, end) and its value; `value` undefined when nothing was measured. */
export interface Datapoint {
  start: number;
  end: number;
  value?: number;
  sampleCount: number;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** The value of `metric` over [start, end) from the recorded samples. */
export const datapoint = (metric: AlarmMetric, series: MetricSeries, start: number, end: number): Datapoint => {
  const empty = { start, end, sampleCount: 0 };
  switch (metric) {
    case 'availability':
    case 'errorRate':
    case 'p95LatencyMs':
    case 'p99LatencyMs': {
      const probes = series.probes(start, end);
      if (probes.length === 0) return empty;
      const ok = probes.filter((p) => p.ok).length;
      const sorted = probes.map((p) => p.latencyMs).sort((a, b) => a - b);
      const value =
        metric === 'availability'
          ? (ok / probes.length) * 100
          : metric === 'errorRate'
            ? ((probes.length - ok) / probes.length) * 100
            : percentile(sorted, metric === 'p95LatencyMs' ? 95 : 99)!;
      return { start, end, value, sampleCount: probes.length };
    }
    case 'replicaCpuPercent':
    case 'replicaMemoryMb':
    case 'replicaDiskMb': {
      const hosts = series.hosts(start, end).filter((h) => h.role === 'replica');
      if (hosts.length === 0) return empty;
      const pick = metric === 'replicaCpuPercent' ? 'cpuPercent' : metric === 'replicaMemoryMb' ? 'rssMb' : 'diskMb';
      // Each replica's average over the period, then the worst replica (an alarm on any instance).
      const byReplica = new Map<string, number[]>();
      for (const h of hosts) byReplica.set(h.name, [...(byReplica.get(h.name) ?? []), h[pick]]);
      return { start, end, value: Math.max(...[...byReplica.values()].map(mean)), sampleCount: hosts.length };
    }
    case 'healthyReplicas': {
      const health = series.health(start, end);
      if (health.length === 0) return empty;
      return { start, end, value: Math.min(...health.map((h) => h.healthyReplicas)), sampleCount: health.length };
    }
  }
};

export const breaches = (definition: Pick<AlarmDefinition, 'comparison' | 'threshold'>, value: number): boolean => {
  switch (definition.comparison) {
    case 'GreaterThanThreshold':
      return value > definition.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= definition.threshold;
    case 'LessThanThreshold':
      return value < definition.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= definition.threshold;
  }
};

export interface Evaluation {
  state: AlarmStateValue;
  /** The N datapoints looked at, newest first. */
  datapoints: Datapoint[];
  breaching: number;
  present: number;
}

/**
 * Evaluates an alarm at `at` over its last N complete periods (aligned on the period, like
 * CloudWatch): ALARM when at least M datapoints breach, INSUFFICIENT_DATA when none of the N was
 * measured, OK otherwise (missing datapoints are neither good nor bad).
 */
export const evaluateAlarm = (definition: AlarmDefinition, series: MetricSeries, at: number): Evaluation => {
  const periodMs = Math.round(definition.periodSeconds * 1000);
  const lastEnd = Math.floor(at / periodMs) * periodMs;
  const datapoints: Datapoint[] = [];
  for (let i = 0; i < definition.evaluationPeriods; i++) {
    const end = lastEnd - i * periodMs;
    datapoints.push(datapoint(definition.metric, series, end - periodMs, end));
  }
  const present = datapoints.filter((d) => d.value !== undefined);
  const breaching = present.filter((d) => breaches(definition, d.value!)).length;
  const state: AlarmStateValue =
    breaching >= definition.datapointsToAlarm ? 'ALARM' : present.length === 0 ? 'INSUFFICIENT_DATA' : 'OK';
  return { state, datapoints, breaching, present: present.length };
};

/** The state of an alarm as CloudWatch reports it in a state-change event. */
export interface AlarmState {
  value: AlarmStateValue;
  reason: string;
  reasonData?: string;
  timestamp: string;
}

/** `detail` of "CloudWatch Alarm State Change" for a single-metric alarm. */
export interface AlarmStateChangeDetail {
  alarmName: string;
  state: AlarmState;
  previousState: AlarmState;
  configuration: {
    description: string;
    metrics: {
      id: string;
      metricStat: {
        metric: { namespace: string; name: string; dimensions: Record<string, string> };
        period: number;
        stat: string;
      };
      returnData: boolean;
    }[];
  };
}

export const ALARM_STATE_CHANGE_DETAIL_TYPE = 'CloudWatch Alarm State Change';
export const ALARM_STATE_CHANGE_SOURCE = 'aws.cloudwatch';

export const alarmArn = (region: string, account: string, name: string): string =>
  `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;

/** CloudWatch's timestamp format in alarm states: `2019-10-02T17:04:40.989+0000`. */
export const cloudWatchTimestamp = (at: Date): string => at.toISOString().replace('Z', '+0000');

/** EventBridge's `time`: whole seconds, `Z`. */
const eventTime = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

const pad = (n: number) => String(n).padStart(2, '0');
/** How CloudWatch prints a datapoint's time in a reason: `02/10/19 16:59:00`. */
const reasonTime = (ms: number): string => {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};
/** Numbers as CloudWatch prints them (a double: `50.0`, `99.5016`). */
const printed = (v: number): string => (Number.isInteger(v) ? v.toFixed(1) : String(Math.round(v * 10_000) / 10_000));

const COMPARISON_TEXT: Record<Comparison, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** The reason and reasonData CloudWatch would give for an evaluation. */
export const describeEvaluation = (
  definition: AlarmDefinition,
  evaluation: Evaluation,
  previous: AlarmStateValue,
  at: Date,
): { reason: string; reasonData: string } => {
  const n = definition.evaluationPeriods;
  const m = definition.datapointsToAlarm;
  const present = evaluation.datapoints.filter((d) => d.value !== undefined);
  const info = METRIC_INFO[definition.metric];
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: cloudWatchTimestamp(at),
    startDate: cloudWatchTimestamp(new Date(evaluation.datapoints[evaluation.datapoints.length - 1]!.start)),
    statistic: info.stat,
    period: definition.periodSeconds,
    recentDatapoints: [...present].reverse().map((d) => d.value),
    threshold: definition.threshold,
    evaluatedDatapoints: evaluation.datapoints.map((d) => ({
      timestamp: cloudWatchTimestamp(new Date(d.start)),
      ...(d.value === undefined ? {} : { sampleCount: d.sampleCount, value: d.value }),
    })),
  });
  const list = (points: typeof present) =>
    points.map((d) => `${printed(d.value!)} (${reasonTime(d.start)})`).join(', ');
  if (evaluation.state === 'INSUFFICIENT_DATA') {
    return { reason: `Insufficient Data: ${n} ${plural(n, 'datapoint was', 'datapoints were')} unknown.`, reasonData };
  }
  const text = COMPARISON_TEXT[definition.comparison];
  if (evaluation.state === 'ALARM') {
    const breaching = present.filter((d) => breaches(definition, d.value!));
    return {
      reason: `Threshold Crossed: ${breaching.length} out of the last ${n} datapoints [${list(breaching)}] ${plural(breaching.length, 'was', 'were')} ${text} the threshold (${printed(definition.threshold)}) (minimum ${m} ${plural(m, 'datapoint', 'datapoints')} for ${previous} -> ALARM transition).`,
      reasonData,
    };
  }
  const fine = present.filter((d) => !breaches(definition, d.value!));
  return {
    reason: `Threshold Crossed: ${fine.length} out of the last ${n} datapoints [${list(fine)}] ${plural(fine.length, 'was', 'were')} not ${text} the threshold (${printed(definition.threshold)}) (minimum 1 datapoint for ${previous} -> OK transition).`,
    reasonData,
  };
};

export interface AlarmEvaluatorOptions {
  definitions: readonly AlarmDefinition[];
  series: MetricSeries;
  account: string;
  region: string;
  /** Dimensions shown in each alarm's configuration. */
  dimensions?: Record<string, string>;
  now?: () => Date;
}

/**
 * Holds the state of every local alarm and turns each state change into a "CloudWatch Alarm State
 * Change" event of the exact AWS shape. Alarms start in INSUFFICIENT_DATA, as new CloudWatch
 * alarms do; only a change of state value produces an event.
 */
export class AlarmEvaluator {
  private readonly states = new Map<string, AlarmState>();
  private readonly byName: Map<string, AlarmDefinition>;

  constructor(private readonly options: AlarmEvaluatorOptions) {
    this.byName = new Map(options.definitions.map((d) => [d.name, d]));
    const created = cloudWatchTimestamp((options.now ?? (() => new Date()))());
    for (const d of options.definitions) {
      this.states.set(d.name, {
        value: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        timestamp: created,
      });
    }
  }

  definitions(): AlarmDefinition[] {
    return [...this.byName.values()];
  }

  definition(name: string): AlarmDefinition | undefined {
    return this.byName.get(name);
  }

  state(name: string): AlarmState | undefined {
    return this.states.get(name);
  }

  /** Evaluates one alarm at `at`; returns the state-change event when its state changed. */
  evaluate(name: string, at: Date): BusEvent<AlarmStateChangeDetail> | undefined {
    const definition = this.byName.get(name);
    const previous = this.states.get(name);
    if (!definition || !previous) throw new ConfigurationError(`no local alarm named ${name}`);
    const evaluation = evaluateAlarm(definition, this.options.series, at.getTime());
    if (evaluation.state === previous.value) return undefined;
    const { reason, reasonData } = describeEvaluation(definition, evaluation, previous.value, at);
    const state: AlarmState = { value: evaluation.state, reason, reasonData, timestamp: cloudWatchTimestamp(at) };
    this.states.set(name, state);
    return this.event(definition, state, previous, at);
  }

  /** Evaluates every alarm at `at`; returns the events of those that changed state. */
  evaluateAll(at: Date): BusEvent<AlarmStateChangeDetail>[] {
    return this.definitions()
      .map((d) => this.evaluate(d.name, at))
      .filter((e): e is BusEvent<AlarmStateChangeDetail> => e !== undefined);
  }

  private event(
    definition: AlarmDefinition,
    state: AlarmState,
    previousState: AlarmState,
    at: Date,
  ): BusEvent<AlarmStateChangeDetail> {
    const { account, region } = this.options;
    const info = METRIC_INFO[definition.metric];
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': ALARM_STATE_CHANGE_DETAIL_TYPE,
      source: ALARM_STATE_CHANGE_SOURCE,
      account,
      time: eventTime(at),
      region,
      resources: [alarmArn(region, account, definition.name)],
      detail: {
        alarmName: definition.name,
        state,
        previousState,
        configuration: {
          description: definition.description ?? '',
          metrics: [
            {
              id: 'm1',
              metricStat: {
                metric: {
                  namespace: LOCAL_METRIC_NAMESPACE,
                  name: info.name,
                  dimensions: { ...(this.options.dimensions ?? { Fleet: 'faultline-demo' }) },
                },
                period: definition.periodSeconds,
                stat: info.stat,
              },
              returnData: true,
            },
          ],
        },
      },
    };
  }
}
