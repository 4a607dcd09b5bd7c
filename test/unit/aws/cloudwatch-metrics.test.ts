import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  albQueries,
  CloudWatchAlarmSource,
  CloudWatchMetricsSource,
  MetricsUnavailableError,
  type MetricQueryConfig,
} from '../../../shared/aws/cloudwatch-metrics';
import type { Template } from '../../../shared/domain/template';

const cloudWatch = mockClient(CloudWatchClient);

const template = { id: 'checkout-instance-loss' } as Template;
const window = { from: new Date('2026-11-29T10:00:00Z'), to: new Date('2026-11-29T10:03:00Z') };
const LB = 'app/checkout/50dc6c495c0c9188';
const TG = 'targetgroup/web/73e2d6bc24d8a067';
const config: MetricQueryConfig = {
  templates: { 'checkout-instance-loss': albQueries({ loadBalancer: LB, targetGroup: TG }) },
};

const source = (queries: MetricQueryConfig = config) =>
  new CloudWatchMetricsSource(new CloudWatchClient({}), { queries });

beforeEach(() => cloudWatch.reset());

describe('CloudWatchMetricsSource', () => {
  it('asks for the ALB request count, 5XX counts and response-time percentiles over one window-long period', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await source().measure(template, window);

    // Assess
    const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.StartTime).toEqual(window.from);
    expect(input.EndTime).toEqual(window.to);
    expect(input.ScanBy).toBe('TimestampAscending');
    const scoped = [
      { Name: 'LoadBalancer', Value: LB },
      { Name: 'TargetGroup', Value: TG },
    ];
    expect(input.MetricDataQueries).toEqual([
      {
        Id: 'requests',
        MetricStat: {
          Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: scoped },
          Period: 180,
          Stat: 'Sum',
        },
        ReturnData: true,
      },
      {
        Id: 'errors0',
        MetricStat: {
          Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: scoped },
          Period: 180,
          Stat: 'Sum',
        },
        ReturnData: true,
      },
      {
        Id: 'errors1',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApplicationELB',
            MetricName: 'HTTPCode_ELB_5XX_Count',
            Dimensions: [{ Name: 'LoadBalancer', Value: LB }],
          },
          Period: 180,
          Stat: 'Sum',
        },
        ReturnData: true,
      },
      ...['p50', 'p90', 'p95', 'p99'].map((p) => ({
        Id: `latency${p}`,
        MetricStat: {
          Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: scoped },
          Period: 180,
          Stat: p,
        },
        ReturnData: true,
      })),
    ]);
  });

  it('computes availability as 1 - errors/requests and latency in ms, across pages', async () => {
    // Prepare: two pages (NextToken), the window straddles two periods
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'requests', Values: [600], StatusCode: 'PartialData' },
          { Id: 'errors0', Values: [3], StatusCode: 'PartialData' },
          { Id: 'latencyp95', Values: [0.25], StatusCode: 'PartialData' },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'requests', Values: [400], StatusCode: 'Complete' },
          { Id: 'errors0', Values: [2], StatusCode: 'Complete' },
          { Id: 'errors1', Values: [5], StatusCode: 'Complete' },
          { Id: 'latencyp95', Values: [0.4], StatusCode: 'Complete' },
        ],
      });

    // Act
    const metrics = await source().measure(template, window);

    // Assess
    expect(cloudWatch.commandCalls(GetMetricDataCommand)[1]!.args[0].input.NextToken).toBe('page-2');
    expect(metrics).toEqual({
      from: '2026-11-29T10:00:00.000Z',
      to: '2026-11-29T10:03:00.000Z',
      requests: 1000,
      availabilityPercent: 99,
      latencyMs: { p95: 400 },
    });
  });

  it('counts error metrics CloudWatch did not publish as zero errors (ALB publishes no zero counts)', async () => {
    // Prepare
    cloudWatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'requests', Values: [250], StatusCode: 'Complete' }] });

    // Act
    const metrics = await source().measure(template, window);

    // Assess
    expect(metrics.availabilityPercent).toBe(100);
    expect(metrics.latencyMs).toBeUndefined();
  });

  it('leaves availability unknown when no request was measured or an error count could not be read', async () => {
    // Prepare
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [] })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'requests', Values: [250], StatusCode: 'Complete' },
          { Id: 'errors0', Values: [], StatusCode: 'InternalError' },
        ],
      });

    // Act
    const none = await source().measure(template, window);
    const broken = await source().measure(template, window);

    // Assess
    expect(none.availabilityPercent).toBeUndefined();
    expect(none.requests).toBeUndefined();
    expect(broken.requests).toBe(250);
    expect(broken.availabilityPercent).toBeUndefined();
  });

  it('measures nothing, and asks nothing, for a template without queries', async () => {
    // Act
    const metrics = await source({ templates: {} }).measure({ id: 'other' } as Template, window);

    // Assess
    expect(metrics).toEqual({ from: '2026-11-29T10:00:00.000Z', to: '2026-11-29T10:03:00.000Z' });
    expect(cloudWatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  it('falls back to the default query set', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await source({ default: albQueries({ loadBalancer: LB }), templates: {} }).measure(
      { id: 'other' } as Template,
      window,
    );

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
  });

  it('wraps a failed call in MetricsUnavailableError', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).rejects(new Error('Throttling'));

    // Act / Assess
    await expect(source().measure(template, window)).rejects.toThrow(MetricsUnavailableError);
  });
});

describe('CloudWatchAlarmSource', () => {
  it('asks for metric and composite alarms by name and reports those in ALARM and those missing', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'checkout-5xx-rate', StateValue: 'ALARM' },
        { AlarmName: 'checkout-p95-latency', StateValue: 'OK' },
      ],
      CompositeAlarms: [{ AlarmName: 'checkout-health', StateValue: 'ALARM' }],
    });

    // Act
    const result = await new CloudWatchAlarmSource(new CloudWatchClient({})).inAlarm([
      'checkout-5xx-rate',
      'checkout-p95-latency',
      'checkout-health',
      'checkout-typo',
    ]);

    // Assess
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['checkout-5xx-rate', 'checkout-p95-latency', 'checkout-health', 'checkout-typo'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: 100,
    });
    expect(result).toEqual({ inAlarm: ['checkout-5xx-rate', 'checkout-health'], missing: ['checkout-typo'] });
  });

  it('asks for at most 100 names per call and follows NextToken', async () => {
    // Prepare
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: names.slice(0, 60).map((n) => ({ AlarmName: n, StateValue: 'OK' })),
        NextToken: 'more',
      })
      .resolvesOnce({ MetricAlarms: names.slice(60, 100).map((n) => ({ AlarmName: n, StateValue: 'OK' })) })
      .resolvesOnce({
        MetricAlarms: names.slice(100).map((n) => ({ AlarmName: n, StateValue: n === 'alarm-149' ? 'ALARM' : 'OK' })),
      });

    // Act
    const result = await new CloudWatchAlarmSource(new CloudWatchClient({})).inAlarm(names);

    // Assess
    const calls = cloudWatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.AlarmNames?.length, c.NextToken])).toEqual([
      [100, undefined],
      [100, 'more'],
      [50, undefined],
    ]);
    expect(result).toEqual({ inAlarm: ['alarm-149'], missing: [] });
  });
});

describe('CloudWatchMetricsSource series', () => {
  const minute = (m: number) => new Date(window.from.getTime() + m * 60_000);

  it('asks for the same queries per whole minute and gives one point per period CloudWatch answered', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'requests',
          Timestamps: [minute(0), minute(1), minute(2)],
          Values: [600, 600, 0],
          StatusCode: 'Complete',
        },
        // ALB publishes no zero counts: minute 0 had no target errors.
        { Id: 'errors0', Timestamps: [minute(1)], Values: [60], StatusCode: 'Complete' },
        { Id: 'errors1', Timestamps: [minute(1)], Values: [30], StatusCode: 'Complete' },
        { Id: 'latencyp95', Timestamps: [minute(0), minute(1)], Values: [0.05, 1.5], StatusCode: 'Complete' },
      ],
    });

    const result = await source().timeSeries(template, window, 10);

    expect(result.periodSeconds).toBe(60);
    const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ StartTime: window.from, EndTime: window.to, ScanBy: 'TimestampAscending' });
    expect(input.MetricDataQueries!.map((q) => [q.Id, q.MetricStat!.Metric!.MetricName, q.MetricStat!.Period])).toEqual(
      [
        ['requests', 'RequestCount', 60],
        ['errors0', 'HTTPCode_Target_5XX_Count', 60],
        ['errors1', 'HTTPCode_ELB_5XX_Count', 60],
        ...['p50', 'p90', 'p95', 'p99'].map((p) => [`latency${p}`, 'TargetResponseTime', 60]),
      ],
    );
    const byName = Object.fromEntries(result.series.map((s) => [s.name, s.points]));
    const [t0, t1, t2] = [minute(0), minute(1), minute(2)].map((d) => d.getTime());
    expect(byName.availabilityPercent).toEqual([
      [t0, 100],
      [t1, 85],
      [t2, null],
    ]);
    expect(byName.requestsPerSecond).toEqual([
      [t0, 10],
      [t1, 10],
      [t2, 0],
    ]);
    expect(byName.p95LatencyMs).toEqual([
      [t0, 50],
      [t1, 1500],
      [t2, null],
    ]);
    expect(byName.p50LatencyMs).toBeUndefined();
  });

  it('rounds the period up to whole minutes, and leaves availability out when an error count is unknown', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'requests', Timestamps: [minute(0)], Values: [600], StatusCode: 'Complete' },
        { Id: 'errors0', Timestamps: [], Values: [], StatusCode: 'InternalError' },
      ],
    });

    const result = await source().timeSeries(template, window, 61);

    expect(
      cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries![0]!.MetricStat!.Period,
    ).toBe(120);
    expect(result.series.map((s) => s.name)).toEqual(['requestsPerSecond']);
  });

  it('a template without queries has no series, and asks nothing', async () => {
    const result = await source({ templates: {} }).timeSeries(template, window, 60);
    expect(result.series).toEqual([]);
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});
