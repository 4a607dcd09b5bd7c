import { parse, type TestCase, type TestSuites } from 'junit2json';
import { escapeXml, junitXml } from '../../shared/report/junit';
import type { resultDocument } from '../../shared/phases/result';

type ResultDocument = ReturnType<typeof resultDocument>;

/** A crafted result document (cast: the renderer reads only the fields set here). */
const doc = (overrides: Partial<ResultDocument>): ResultDocument =>
  ({
    executionId: 'exec-1',
    experimentId: 'checkout-instance-loss',
    templateVersion: 3,
    status: 'COMPLETED',
    verdict: 'PASSED',
    environment: 'local',
    dryRun: false,
    trigger: { type: 'cli', reference: 'ci' },
    criteria: [{ type: 'availability', expected: '>= 99%', actual: '99.6%', passed: true }],
    metrics: { availabilityPercent: 99.6, p95LatencyMs: 310, recoverySeconds: 42.5 },
    safety: { violated: false, reason: null },
    faults: [],
    reasons: [],
    requestedAt: '2026-01-01T10:00:00.000Z',
    completedAt: '2026-01-01T10:01:30.500Z',
    timeline: [],
    score: 100,
    series: null,
    ...overrides,
  }) as ResultDocument;

const documents: ResultDocument[] = [
  doc({ executionId: 'passed' }),
  doc({
    executionId: 'failed',
    verdict: 'FAILED',
    criteria: [{ type: 'availability', expected: '>= 99%', actual: '91.2%', passed: false }],
    reasons: [`availability 91.2% < 99% & p95 <"slow"> 'ok'`],
  }),
  doc({ executionId: 'inconclusive', verdict: 'INCONCLUSIVE', reasons: ['no traffic observed'] }),
  doc({ executionId: 'rejected', status: 'REJECTED', verdict: 'INCONCLUSIVE', reasons: ['target leased'] }),
  doc({
    executionId: 'rollback',
    status: 'ROLLBACK_FAILED',
    verdict: 'INCONCLUSIVE',
    safety: { violated: true, reason: 'alarm <p95> fired' },
    reasons: ['revert failed'],
  }),
  doc({ executionId: 'aborted', status: 'ABORTED', verdict: 'FAILED', reasons: ['stop condition: alarm'] }),
  doc({
    executionId: 'dry',
    dryRun: true,
    verdict: 'INCONCLUSIVE',
    reasons: ['dry run'],
    metrics: { availabilityPercent: null, p95LatencyMs: null, recoverySeconds: null },
  }),
  doc({ executionId: 'unknown', status: 'RUNNING' as ResultDocument['status'], verdict: 'INCONCLUSIVE' }),
];

const read = async (xml: string) => (await parse(xml)) as TestSuites;
const props = (c: TestCase) =>
  Object.fromEntries(
    ((c as { properties?: { name: string; value: unknown }[] }).properties ?? []).map((p) => [p.name, p.value]),
  );

describe('JUnit report of result documents', () => {
  it('escapes the five XML characters and drops control characters', () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>\u0001`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;',
    );
  });

  it('only COMPLETED PASSED passes; a dry run is skipped; every other status fails with its reasons', async () => {
    const xml = junitXml({ name: 'nightly & "weekly"', documents });
    const report = await read(xml);
    const suite = report.testsuite![0]!;
    expect(suite).toMatchObject({ name: 'nightly & "weekly"', tests: 8, failures: 6, errors: 0, skipped: 1 });
    expect(report).toMatchObject({ tests: 8, failures: 6, skipped: 1 });
    const cases = Object.fromEntries(suite.testcase!.map((c) => [props(c).executionId, c]));

    expect(cases.passed!.failure).toBeUndefined();
    expect(cases.passed!.skipped).toBeUndefined();
    expect(cases.dry!.skipped).toEqual([{ message: 'dry run' }]);
    expect(cases.dry!.failure).toBeUndefined();

    expect(cases.failed!.failure![0]).toMatchObject({
      type: 'FAILED',
      message: expect.stringContaining(`availability 91.2% < 99% & p95 <"slow"> 'ok'`),
    });
    expect(cases.failed!.failure![0]!.inner).toMatch(/criterion availability: expected >= 99%, actual 91.2%/);
    expect(cases.inconclusive!.failure![0]).toMatchObject({ type: 'INCONCLUSIVE', message: 'no traffic observed' });
    expect(cases.rejected!.failure![0]).toMatchObject({ type: 'REJECTED', message: 'target leased' });
    expect(cases.rollback!.failure![0]).toMatchObject({
      type: 'ROLLBACK_FAILED',
      message: 'revert failed; safety violated: alarm <p95> fired',
    });
    expect(cases.aborted!.failure![0]).toMatchObject({ type: 'ABORTED', message: 'stop condition: alarm' });
    expect(cases.unknown!.failure![0]).toMatchObject({ type: 'RUNNING' });
  });

  it('carries the execution id and metrics as properties and times in seconds', async () => {
    const report = await read(junitXml({ name: 'checkout-instance-loss', documents: documents.slice(0, 1) }));
    const suite = report.testsuite![0]!;
    const testCase = suite.testcase![0]!;
    expect(testCase).toMatchObject({ name: 'checkout-instance-loss', classname: 'checkout-instance-loss', time: 90.5 });
    expect(suite).toMatchObject({ time: 90.5, timestamp: '2026-01-01T10:00:00.000Z' });
    expect(props(testCase)).toMatchObject({
      executionId: 'passed',
      status: 'COMPLETED',
      verdict: 'PASSED',
      availabilityPercent: 99.6,
      p95LatencyMs: 310,
      recoverySeconds: 42.5,
      'criterion.1.availability': 'expected >= 99%, actual 99.6%, met',
    });
  });

  it('carries the resilience score as a property of each test case, and leaves it out when there is none', async () => {
    const report = await read(
      junitXml({
        name: 'scores',
        documents: [
          doc({ executionId: 'scored', verdict: 'FAILED', score: 50 }),
          doc({ executionId: 'unscored', status: 'REJECTED', verdict: 'INCONCLUSIVE', score: null }),
        ],
      }),
    );
    const [scored, unscored] = report.testsuite![0]!.testcase! as [TestCase, TestCase];
    expect(props(scored)).toMatchObject({ executionId: 'scored', score: 50 });
    expect(props(unscored)).toHaveProperty('executionId', 'unscored');
    expect(props(unscored)).not.toHaveProperty('score');
  });

  it("a game day's score is a property of its test suite, absent when there is none", async () => {
    const suiteProps = (s: unknown) =>
      Object.fromEntries(
        ((s as { properties?: { name: string; value: unknown }[] }).properties ?? []).map((p) => [p.name, p.value]),
      );
    const withScore = await read(junitXml({ name: 'demo', documents: documents.slice(0, 2), gameDayScore: 67 }));
    expect(suiteProps(withScore.testsuite![0])).toEqual({ gameDayScore: 67 });
    expect(withScore.testsuite![0]).toMatchObject({ tests: 2, failures: 1 });
    for (const gameDayScore of [undefined, null]) {
      const without = await read(junitXml({ name: 'demo', documents: documents.slice(0, 2), gameDayScore }));
      expect(suiteProps(without.testsuite![0])).toEqual({});
    }
  });

  it('an empty run is a well-formed report with no tests', async () => {
    const report = await read(junitXml({ name: 'empty', documents: [] }));
    expect(report.testsuite![0]).toMatchObject({ name: 'empty', tests: 0, failures: 0 });
  });
});
