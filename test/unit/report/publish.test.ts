import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  DELIVERY_EVENTS,
  ExperimentCompleted,
  FAULTLINE_EVENTS,
  GameDayCompleted,
  type Contract,
  type DetailOf,
} from '../../../events';
import { matchesPattern } from '../../../local/event-pattern';
import { loadFunctionRules } from '../../../local/rules';
import { S3ReportSink } from '../../../shared/aws/s3-report-sink';
import type { Execution } from '../../../shared/domain/execution';
import type { ExecutionSeries } from '../../../shared/domain/series';
import { executionScore } from '../../../shared/domain/score';
import { createReportHandler, REPORT_CONTRACTS, REPORT_FUNCTION_NAME } from '../../../shared/lambda/report-handler';
import { awsReportDependencies, CLOUDWATCH_MINIMUM_PERIOD_SECONDS } from '../../../shared/lambda/aws-root';
import { silentLogger, type Logger } from '../../../shared/lambda/logger';
import { resultDocument } from '../../../shared/phases/result';
import { reportAssets } from '../../../shared/report/assets';
import { renderExperimentReport, renderGameDayIndex } from '../../../shared/report/html';
import { junitXml } from '../../../shared/report/junit';
import type { CompletionFigures } from '../../../shared/report/ports';
import { keySegment, type ReportDependencies } from '../../../shared/report/publish';
import { StaticMetrics } from '../../../testing/in-memory';
import { seriesOf } from '../../support/report-documents';
import { phaseDeps, seedExecution, seedFault, T0, type PhaseHarness } from '../phases/support';

const BUCKET = 'faultline-ci-reportbucket-0a1b2c3d4e5f';
const ACCOUNT = '000000000000';
const s3 = mockClient(S3Client);

/** The operational metrics, as they are handed over. */
class RecordingMetrics {
  readonly figures: CompletionFigures[] = [];
  experimentCompleted(figures: CompletionFigures): void {
    this.figures.push(figures);
  }
}

const delivered = (contract: Contract<never>, detail: Record<string, unknown>, account = ACCOUNT) => ({
  version: '0',
  id: 'b1a8c2d4-0000-4000-8000-000000000001',
  'detail-type': contract.detailType,
  source: contract.source,
  account,
  time: new Date(T0).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'eu-west-1',
  resources: [],
  detail: { ...detail, version: contract.version },
});

const completed = (detail: Partial<DetailOf<typeof ExperimentCompleted>>, account = ACCOUNT) =>
  delivered(ExperimentCompleted as never, { ...ExperimentCompleted.fixture, ...detail }, account);

const puts = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);

let deps: PhaseHarness;
let metrics: RecordingMetrics;
let report: ReturnType<typeof createReportHandler>;

/** A finished execution with a fault and a journal, as the phases leave it, before its series are recorded. */
const seedRun = async (executionId: string, set: Partial<Execution> = {}) => {
  const execution = await seedExecution(deps, 'COMPLETED', {
    executionId,
    set: {
      verdict: 'PASSED',
      completedAt: new Date(T0 + 90_000).toISOString(),
      criteria: [{ type: 'availability', expected: '>= 99%', actual: '100%', passed: true }],
      ...set,
    },
  });
  await seedFault(deps, execution, 'REVERTED', { revertedAt: new Date(T0 + 60_000).toISOString() });
  await deps.store.journal(executionId, { phase: 'validate', action: 'judge', outcome: 'ok' });
  return execution;
};

/** A finished execution with a fault, a journal and series. */
const seedFinished = async (executionId: string, set: Partial<Execution> = {}) => {
  const execution = await seedRun(executionId, set);
  await deps.store.putSeries(executionId, seriesOf({ availability: () => 100, p95: () => 20, markers: [] }));
  return execution;
};

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  deps = phaseDeps();
  metrics = new RecordingMetrics();
  const reportDeps: ReportDependencies = {
    store: deps.store,
    sink: new S3ReportSink(new S3Client({}), { bucket: BUCKET }),
    metrics,
    account: ACCOUNT,
  };
  report = createReportHandler(reportDeps, silentLogger);
});

describe('report function: ExperimentCompleted', () => {
  it('puts report.html, junit.xml and result.json of the stored execution in the bucket, exactly, then counts it', async () => {
    const execution = await seedFinished('0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01');

    const outcome = await report(
      completed({ executionId: execution.executionId, experimentId: execution.experimentId }),
    );

    // What the table holds, rendered as the CLI and the renderers do.
    const stored = (await deps.store.getExecution(execution.executionId))!;
    const document = resultDocument(
      stored,
      await deps.store.listFaults(execution.executionId),
      await deps.store.readJournal(execution.executionId),
      await deps.store.readSeries(execution.executionId),
    );
    const prefix = `reports/unit-latency/${execution.executionId}/`;
    expect(outcome).toEqual({
      outcome: 'written',
      keys: ['report.html', 'junit.xml', 'result.json'].map((f) => prefix + f),
    });
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 3);
    expect(puts()).toEqual([
      {
        Bucket: BUCKET,
        Key: `${prefix}report.html`,
        Body: renderExperimentReport(document, {
          history: [
            {
              executionId: execution.executionId,
              completedAt: stored.completedAt!,
              verdict: 'PASSED',
              score: executionScore(stored),
            },
          ],
          hypothesis: stored.template!.hypothesis.statement,
          assets: reportAssets(),
        }),
        ContentType: 'text/html; charset=utf-8',
        ServerSideEncryption: 'AES256',
      },
      {
        Bucket: BUCKET,
        Key: `${prefix}junit.xml`,
        Body: junitXml({ name: 'unit-latency', documents: [document] }),
        ContentType: 'application/xml; charset=utf-8',
        ServerSideEncryption: 'AES256',
      },
      {
        Bucket: BUCKET,
        Key: `${prefix}result.json`,
        Body: `${JSON.stringify(document, null, 2)}\n`,
        ContentType: 'application/json; charset=utf-8',
        ServerSideEncryption: 'AES256',
      },
    ]);
    expect(String(puts()[0]!.Body)).toContain('data-chart="availabilityPercent"');
    expect(JSON.parse(String(puts()[2]!.Body))).toMatchObject({
      executionId: execution.executionId,
      verdict: 'PASSED',
    });
    expect(metrics.figures).toEqual([
      { verdict: 'PASSED', alarmToRevertSeconds: null, failedReverts: 0, rollbackFailed: false },
    ]);
  });

  it('reads the execution from the table, not the event; links back to its game day; a dry run is not counted', async () => {
    await seedFinished('exec-gd', {
      dryRun: true,
      verdict: 'INCONCLUSIVE',
      trigger: { type: 'gameday', gameDay: { suite: 'nightly-checkout', runId: 'run-1' } },
    });

    await report(completed({ executionId: 'exec-gd', experimentId: 'unit-latency', verdict: 'PASSED' }));

    expect(JSON.parse(String(puts()[2]!.Body))).toMatchObject({ verdict: 'INCONCLUSIVE', dryRun: true });
    expect(String(puts()[0]!.Body)).toContain('href="../../../gamedays/nightly-checkout/run-1/index.html"');
    expect(metrics.figures).toEqual([]);
  });

  it('fails, writing nothing and counting nothing, for an execution the table does not hold', async () => {
    await expect(report(completed({ executionId: 'missing' }))).rejects.toMatchObject({
      name: 'ExecutionNotFoundError',
    });
    expect(puts()).toEqual([]);
    expect(metrics.figures).toEqual([]);
  });

  it('fails when S3 refuses a write and counts nothing, so that the retry counts it once', async () => {
    await seedFinished('exec-denied');
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    await expect(report(completed({ executionId: 'exec-denied' }))).rejects.toThrow('Access Denied');
    expect(metrics.figures).toEqual([]);

    s3.reset();
    s3.on(PutObjectCommand).resolves({});
    await report(completed({ executionId: 'exec-denied' }));
    expect(metrics.figures).toHaveLength(1);
  });

  it('counts an execution once however often ExperimentCompleted is delivered, under any event id', async () => {
    await seedFinished('exec-dup');
    await report(completed({ executionId: 'exec-dup' }));
    await report({ ...completed({ executionId: 'exec-dup' }), id: 'another-delivery-id' });
    await report(completed({ executionId: 'exec-dup' }));
    expect(puts()).toHaveLength(9);
    expect(metrics.figures).toHaveLength(1);
  });
});

/** A metrics source that counts what it is asked, and fails when told. */
class CountingMetrics extends StaticMetrics {
  asked = 0;
  failure: Error | undefined;
  override async timeSeries(...args: Parameters<StaticMetrics['timeSeries']>) {
    this.asked += 1;
    if (this.failure) throw this.failure;
    return super.timeSeries(...args);
  }
}

/** A logger that keeps its warnings. */
const warningsLogger = (): Logger & { warnings: [string, Record<string, unknown> | undefined][] } => {
  const warnings: [string, Record<string, unknown> | undefined][] = [];
  return { ...silentLogger, warn: (message, fields) => void warnings.push([message, fields]), warnings };
};

describe('report function: the series of a finished execution', () => {
  let source: CountingMetrics;
  let logger: ReturnType<typeof warningsLogger>;
  const withSeries = () =>
    createReportHandler(
      {
        store: deps.store,
        sink: new S3ReportSink(new S3Client({}), { bucket: BUCKET }),
        metrics,
        account: ACCOUNT,
        series: { metrics: source, minimumPeriodSeconds: 60 },
      },
      logger,
    );
  beforeEach(() => {
    source = new CountingMetrics({
      availabilityPercent: 99.5,
      latencyMs: { p50: 20, p95: 50, p99: 80 },
      requests: 600,
    });
    logger = warningsLogger();
  });

  it('records them from the metrics source before the reports, which then carry their charts', async () => {
    await seedRun('exec-series');
    expect(await deps.store.readSeries('exec-series')).toBeNull();

    await withSeries()(completed({ executionId: 'exec-series' }));

    const stored = (await deps.store.readSeries('exec-series'))!;
    expect(source.asked).toBe(1);
    expect(stored.unavailable).toBeUndefined();
    expect(stored.periodSeconds).toBe(60);
    expect(stored.series.map((s) => s.name)).toEqual([
      'availabilityPercent',
      'p50LatencyMs',
      'p95LatencyMs',
      'p99LatencyMs',
      'requestsPerSecond',
    ]);
    expect(stored.series[0]!.points.every(([, v]) => v === 99.5)).toBe(true);
    const html = String(puts()[0]!.Body);
    expect(html).toContain('data-chart="availabilityPercent"');
    expect(html).toContain('data-chart="p95LatencyMs"');
    expect(html).not.toContain('data-series="unavailable"');
    expect(JSON.parse(String(puts()[2]!.Body)).series).toEqual(stored);
    expect(logger.warnings).toEqual([]);
  });

  it('records a failing source as unavailable, and writes the reports all the same', async () => {
    await seedRun('exec-no-cloudwatch');
    source.failure = new Error('CloudWatch GetMetricData failed');

    const outcome = await withSeries()(completed({ executionId: 'exec-no-cloudwatch' }));

    expect(outcome.keys).toHaveLength(3);
    const stored = (await deps.store.readSeries('exec-no-cloudwatch'))!;
    expect(stored).toMatchObject({
      series: [],
      unavailable: 'the metrics source failed: CloudWatch GetMetricData failed',
    });
    const html = String(puts()[0]!.Body);
    expect(html).toContain('data-series="unavailable"');
    expect(html).toContain('the metrics source failed: CloudWatch GetMetricData failed');
    expect(html).not.toContain('data-chart="availabilityPercent"');
    expect(metrics.figures).toHaveLength(1);
  });

  it('measures nothing again on a duplicate delivery: the stored series are reported', async () => {
    await seedRun('exec-twice');
    const report = withSeries();
    await report(completed({ executionId: 'exec-twice' }));
    const first = await deps.store.readSeries('exec-twice');
    source.figures = { availabilityPercent: 10, requests: 600 };

    await report(completed({ executionId: 'exec-twice' }));

    expect(source.asked).toBe(1);
    expect(await deps.store.readSeries('exec-twice')).toEqual(first);
    const [firstHtml, , , secondHtml] = puts().map((p) => String(p.Body));
    expect(secondHtml).toBe(firstHtml);
  });

  it('writes the reports, showing no series, when the table refuses the series; the failure is logged', async () => {
    await seedRun('exec-refused');
    const refused = Object.assign(new Error('not authorized to perform dynamodb:PutItem'), {
      name: 'AccessDeniedException',
    });
    const store = Object.assign(Object.create(deps.store) as typeof deps.store, {
      putSeries: async () => {
        throw refused;
      },
    });
    const report = createReportHandler(
      {
        store,
        sink: new S3ReportSink(new S3Client({}), { bucket: BUCKET }),
        metrics,
        account: ACCOUNT,
        series: { metrics: source, minimumPeriodSeconds: 60 },
      },
      logger,
    );

    const outcome = await report(completed({ executionId: 'exec-refused' }));

    expect(outcome.keys).toHaveLength(3);
    expect(await deps.store.readSeries('exec-refused')).toBeNull();
    expect(JSON.parse(String(puts()[2]!.Body)).series).toBeNull();
    expect(String(puts()[0]!.Body)).toContain('data-series="unavailable"');
    expect(logger.warnings).toEqual([
      [
        'series not recorded',
        {
          executionId: 'exec-refused',
          error: 'not authorized to perform dynamodb:PutItem',
          name: 'AccessDeniedException',
        },
      ],
    ]);
    expect(metrics.figures).toHaveLength(1);
  });

  it('records nothing without a metrics source (what the table holds is reported)', async () => {
    await seedRun('exec-none');
    await report(completed({ executionId: 'exec-none' }));
    expect(await deps.store.readSeries('exec-none')).toBeNull();
    expect(puts()).toHaveLength(3);
  });

  it("a game day's index does not wait on its executions' ExperimentCompleted: it records what is missing, once", async () => {
    const a = await seedRun('exec-gd-a');
    const gameDay = delivered(GameDayCompleted as never, {
      ...GameDayCompleted.fixture,
      executions: [{ ...GameDayCompleted.fixture.executions[0], executionId: a.executionId }],
    });
    await withSeries()(gameDay);
    expect(source.asked).toBe(1);
    expect(await deps.store.readSeries('exec-gd-a')).toMatchObject({ periodSeconds: 60 });
    expect(String(puts()[0]!.Body)).toContain('data-chart=');
    // The execution's own ExperimentCompleted, arriving after, measures nothing again.
    await withSeries()(completed({ executionId: 'exec-gd-a' }));
    expect(source.asked).toBe(1);
  });
});

describe('report function on AWS: the series from CloudWatch', () => {
  const cloudWatch = mockClient(CloudWatchClient);
  const saved = { ...process.env };
  const LB = 'app/checkout/50dc6c495c0c9188';
  const TG = 'targetgroup/web/73e2d6bc24d8a067';
  beforeAll(() => {
    Object.assign(process.env, {
      TABLE_NAME: 'faultline-ci',
      EVENT_BUS_NAME: 'faultline-ci',
      EVENT_BUS_ARN: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/faultline-ci`,
      SCHEDULER_GROUP: 'faultline-ci',
      SCHEDULER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/faultline-ci-SchedulerRole`,
      STAGE: 'ci',
      REPORT_BUCKET: BUCKET,
      METRIC_QUERIES: JSON.stringify({ templates: { 'unit-latency': { alb: { loadBalancer: LB, targetGroup: TG } } } }),
    });
  });
  afterAll(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    cloudWatch.restore();
  });

  it('sends GetMetricData with the ALB queries of the template, per minute, over the execution from its request to its end', async () => {
    const execution = await seedRun('0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e02');
    const minute = (m: number) => new Date(T0 - 60_000 + m * 60_000);
    cloudWatch.reset();
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'requests', Timestamps: [minute(0), minute(1)], Values: [600, 600], StatusCode: 'Complete' },
        { Id: 'errors0', Timestamps: [minute(1)], Values: [6], StatusCode: 'Complete' },
        { Id: 'errors1', Timestamps: [], Values: [], StatusCode: 'Complete' },
        { Id: 'latencyp95', Timestamps: [minute(0), minute(1)], Values: [0.05, 0.12], StatusCode: 'Complete' },
      ],
    });
    // The composition root of the report function, with the test's table and operational metrics.
    const report = createReportHandler({ ...awsReportDependencies(), store: deps.store, metrics }, silentLogger);

    await report(completed({ executionId: execution.executionId }));

    const metric = (MetricName: string, dimensions: Record<string, string>, Stat: string, Id: string) => ({
      Id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName,
          Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: 60,
        Stat,
      },
      ReturnData: true,
    });
    const scoped = { LoadBalancer: LB, TargetGroup: TG };
    expect(CLOUDWATCH_MINIMUM_PERIOD_SECONDS).toBe(60);
    expect(cloudWatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input)).toEqual([
      {
        MetricDataQueries: [
          metric('RequestCount', scoped, 'Sum', 'requests'),
          metric('HTTPCode_Target_5XX_Count', scoped, 'Sum', 'errors0'),
          metric('HTTPCode_ELB_5XX_Count', { LoadBalancer: LB }, 'Sum', 'errors1'),
          ...['p50', 'p90', 'p95', 'p99'].map((p) => metric('TargetResponseTime', scoped, p, `latency${p}`)),
        ],
        StartTime: new Date(execution.requestedAt),
        EndTime: new Date(execution.completedAt!),
        ScanBy: 'TimestampAscending',
      },
    ]);
    const stored = (await deps.store.readSeries(execution.executionId)) as ExecutionSeries;
    expect(stored.periodSeconds).toBe(60);
    expect(Object.fromEntries(stored.series.map((s) => [s.name, s.points]))).toEqual({
      availabilityPercent: [
        [minute(0).getTime(), 100],
        [minute(1).getTime(), 99],
      ],
      p95LatencyMs: [
        [minute(0).getTime(), 50],
        [minute(1).getTime(), 120],
      ],
      requestsPerSecond: [
        [minute(0).getTime(), 10],
        [minute(1).getTime(), 10],
      ],
    });
    expect(String(puts()[0]!.Body)).toContain('data-chart="availabilityPercent"');
  });
});

describe('report function: GameDayCompleted', () => {
  it("puts the run's index.html, junit.xml and result.json under gamedays/<suite>/<runId>/", async () => {
    const a = await seedFinished('exec-a');
    const b = await seedFinished('exec-b', { verdict: 'FAILED', reasons: ['availability: expected >= 99%, got 80%'] });
    const detail = {
      ...GameDayCompleted.fixture,
      executions: [a, b].map((e) => ({
        executionId: e.executionId,
        experimentId: e.experimentId,
        status: 'COMPLETED' as const,
        verdict: e.executionId === 'exec-a' ? ('PASSED' as const) : ('FAILED' as const),
        reasons: [],
      })),
    };

    await report(delivered(GameDayCompleted as never, detail));

    const documents = await Promise.all(
      ['exec-a', 'exec-b'].map(async (id) =>
        resultDocument(
          (await deps.store.getExecution(id))!,
          await deps.store.listFaults(id),
          await deps.store.readJournal(id),
          await deps.store.readSeries(id),
        ),
      ),
    );
    const score = Math.round(((documents[0]!.score ?? 0) + (documents[1]!.score ?? 0)) / 2);
    const prefix = `gamedays/nightly-checkout/${GameDayCompleted.fixture.runId}/`;
    expect(puts()).toEqual([
      {
        Bucket: BUCKET,
        Key: `${prefix}index.html`,
        Body: renderGameDayIndex(
          {
            suite: 'nightly-checkout',
            runId: GameDayCompleted.fixture.runId,
            status: 'COMPLETED',
            verdict: 'FAILED',
            score,
            results: documents,
          },
          { reportHref: (d) => `../../../reports/${d.experimentId}/${d.executionId}/report.html` },
        ),
        ContentType: 'text/html; charset=utf-8',
        ServerSideEncryption: 'AES256',
      },
      {
        Bucket: BUCKET,
        Key: `${prefix}junit.xml`,
        Body: junitXml({ name: 'nightly-checkout', documents, gameDayScore: score }),
        ContentType: 'application/xml; charset=utf-8',
        ServerSideEncryption: 'AES256',
      },
      {
        Bucket: BUCKET,
        Key: `${prefix}result.json`,
        Body: `${JSON.stringify({ ...detail, version: 1, score, results: documents }, null, 2)}\n`,
        ContentType: 'application/json; charset=utf-8',
        ServerSideEncryption: 'AES256',
      },
    ]);
    expect(String(puts()[0]!.Body)).toContain('href="../../../reports/unit-latency/exec-b/report.html"');
    expect(metrics.figures).toEqual([]);
  });
});

describe('report function: the edge', () => {
  it("refuses another account's event, another detail-type and a malformed detail, writing nothing", async () => {
    await seedFinished('exec-1');

    await expect(report(completed({ executionId: 'exec-1' }, '999999999999'))).rejects.toMatchObject({
      name: 'ForgedEventError',
    });
    await expect(
      report({ ...completed({ executionId: 'exec-1' }), 'detail-type': 'ExperimentStarted' }),
    ).rejects.toMatchObject({
      name: 'MalformedEventError',
      message: expect.stringContaining('report does not handle'),
    });
    const malformed = completed({ executionId: 'exec-1' });
    delete (malformed.detail as Record<string, unknown>).verdict;
    await expect(report(malformed)).rejects.toMatchObject({
      name: 'MalformedEventError',
      message: expect.stringContaining('detail.verdict'),
    });
    expect(puts()).toEqual([]);
  });

  it('keeps every key segment inside its prefix', () => {
    expect(keySegment('checkout-instance-loss')).toBe('checkout-instance-loss');
    expect(keySegment('../../etc')).toBe('_._.._etc');
    expect(keySegment('..')).toBe('_.');
    expect(keySegment('a/b c')).toBe('a_b_c');
    expect(keySegment('')).toBe('_');
    expect(keySegment('x'.repeat(300))).toHaveLength(128);
  });

  it("serverless.yml's rule for the report function takes ExperimentCompleted (any trigger, any verdict) and GameDayCompleted, and nothing else", () => {
    const rules = loadFunctionRules(join(__dirname, '../../../serverless.yml')).filter(
      (r) => r.functionName === REPORT_FUNCTION_NAME,
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.bus).toBe('custom');
    const reaches = (contract: Contract<never>, detail: Record<string, unknown>) =>
      matchesPattern(rules[0]!.pattern, delivered(contract, detail));
    for (const trigger of [{ type: 'cli' }, { type: 'pipeline' }, { type: 'gameday' }])
      for (const verdict of ['PASSED', 'FAILED', 'INCONCLUSIVE'])
        expect(reaches(ExperimentCompleted as never, { ...ExperimentCompleted.fixture, trigger, verdict })).toBe(true);
    expect(reaches(GameDayCompleted as never, GameDayCompleted.fixture)).toBe(true);
    const others = [...FAULTLINE_EVENTS, ...DELIVERY_EVENTS].filter(
      (c) => !(REPORT_CONTRACTS as readonly unknown[]).includes(c),
    );
    expect(others.length).toBeGreaterThan(10);
    for (const c of others)
      expect({ event: c.detailType, reaches: reaches(c as never, c.fixture as Record<string, unknown>) }).toEqual({
        event: c.detailType,
        reaches: false,
      });
  });
});
