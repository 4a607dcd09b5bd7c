import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, type TestCase, type TestSuites } from 'junit2json';
import { captureAll as capture } from '../support/cli-output';
import { main } from '../../cli/main';
import type { ResultDocument } from '../../shared/report/document';
import { checkPage, launchChromium, reportPageFaults } from '../support/browser';

const root = join(__dirname, '../..');
const properties = (c: TestCase) =>
  Object.fromEntries(
    ((c as { properties?: { name: string; value: unknown }[] }).properties ?? []).map((p) => [p.name, p.value]),
  );

/**
 * `faultline gameday --junit`: the demo suite ends with instance termination COMPLETED/PASSED,
 * network latency ABORTED/FAILED (its alarm) and dependency failure COMPLETED/FAILED; the report
 * is read back by junit2json, as CI report tooling reads it.
 */
describe('faultline gameday --junit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-junit-'));
  const cwd = process.cwd();
  afterAll(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the JUnit file of a game day with a FAILED and an ABORTED experiment is read back with the right failures', async () => {
    const file = join(dir, 'out', 'junit.xml');
    const { out, lines } = capture();
    process.chdir(dir); // the game day also writes its journals to ./reports
    let code: number;
    try {
      code = await main(['gameday', join(root, 'experiments/suites/demo.yaml'), '--local', '--junit', file], out);
    } finally {
      process.chdir(cwd);
    }
    expect({ code, output: code === 0 ? '' : lines.join('\n') }).toEqual({ code: 0, output: '' });

    const report = (await parse(readFileSync(file, 'utf8'))) as TestSuites;
    expect(report.testsuite).toHaveLength(1);
    const suite = report.testsuite![0]!;
    expect(suite).toMatchObject({ name: 'demo', tests: 3, failures: 2, errors: 0, skipped: 0 });
    const cases = suite.testcase!;
    expect(cases.map((c) => c.name)).toEqual([
      'demo-instance-termination',
      'demo-network-latency',
      'demo-dependency-failure',
    ]);
    const [passed, aborted, failed] = cases as [TestCase, TestCase, TestCase];

    expect(passed.failure).toBeUndefined();
    expect(passed.skipped).toBeUndefined();
    expect(aborted.failure).toHaveLength(1);
    expect(aborted.failure![0]).toMatchObject({ type: 'ABORTED', message: expect.stringMatching(/\S/) });
    expect(failed.failure).toHaveLength(1);
    expect(failed.failure![0]).toMatchObject({ type: 'FAILED', message: expect.stringMatching(/\S/) });

    // The execution ids are those the game day reported, as properties; times are in seconds.
    const [summary] = readdirSync(join(dir, 'reports')).filter(
      (f) => f.startsWith('gameday-demo-') && f.endsWith('.json'),
    );
    const { results } = JSON.parse(readFileSync(join(dir, 'reports', summary!), 'utf8')) as {
      results: { executionId: string; reasons: string[] }[];
    };
    expect(cases.map((c) => properties(c).executionId)).toEqual(results.map((r) => r.executionId));
    // Each failure carries the reasons of its result document.
    for (const [c, r] of [
      [aborted, results[1]!],
      [failed, results[2]!],
    ] as const) {
      expect(r.reasons.length).toBeGreaterThan(0);
      for (const reason of r.reasons) expect(c.failure![0]!.message).toContain(reason);
    }
    for (const c of cases) expect(c.time).toBeGreaterThan(0);
    expect(properties(passed)).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED', score: 100 });
    expect(properties(aborted)).toMatchObject({ status: 'ABORTED', verdict: 'FAILED' });
    expect(properties(failed)).toMatchObject({ status: 'COMPLETED', verdict: 'FAILED' });
    expect(properties(aborted).score).toBe(0);

    // The game day's score: the suite's property, the game-day JSON, and a line of the output.
    const { score } = JSON.parse(readFileSync(join(dir, 'reports', summary!), 'utf8')) as { score: number };
    const scores = results.map((r) => (r as unknown as { score: number | null }).score ?? 0);
    expect(score).toBe(Math.round(scores.reduce((a, b) => a + b, 0) / scores.length));
    expect(properties(suite as unknown as TestCase)).toEqual({ gameDayScore: score });
    expect(lines.join('\n')).toContain(`game-day score: ${score} (mean of 3 execution(s)`);

    // The HTML reports: one per experiment beside its JSON, and the game day's index linking them.
    const runId = summary!.replace(/^gameday-demo-|\.json$/g, '');
    const index = `gameday-demo-${runId}.html`;
    expect(lines).toContain(`report: reports/${index}`);
    const indexHtml = readFileSync(join(dir, 'reports', index), 'utf8');
    for (const r of results as unknown as { experimentId: string; executionId: string; verdict: string }[]) {
      const page = `${r.experimentId}-${r.executionId}.html`;
      expect(indexHtml).toContain(`<a href="${page}">${r.experimentId}</a>`);
      const html = readFileSync(join(dir, 'reports', page), 'utf8');
      expect(html).toContain(`data-verdict="${r.verdict}"`);
      expect(html).toContain(`<a href="${index}">`);
    }

    // Each result carries the series the local monitor measured, with the run's spans and markers.
    const documents = results as unknown as ResultDocument[];
    for (const d of documents) {
      expect(d.series?.unavailable).toBeUndefined();
      expect(d.series!.series.map((s) => s.name)).toEqual(
        expect.arrayContaining(['availabilityPercent', 'p95LatencyMs']),
      );
      expect(d.series!.spans.map((s) => s.name)).toEqual(['baseline', 'injection', 'observation', 'recovery']);
      expect(d.series!.markers.map((m) => m.kind)).toEqual(
        expect.arrayContaining(['fault-injected', 'fault-reverted']),
      );
    }
    expect(documents[1]!.series!.markers.map((m) => m.kind)).toContain('stop-condition');

    // The real reports in a real browser: every chart drew the measured series, nothing failed.
    const browser = await launchChromium();
    try {
      const screenshots = join(root, 'reports', 'screenshots');
      const indexCheck = await checkPage(
        browser,
        join(dir, 'reports', index),
        join(screenshots, 'real-gameday-index.png'),
      );
      expect(reportPageFaults(indexCheck, 3)).toEqual([]);
      const aborted = documents[1]!;
      const reportCheck = await checkPage(
        browser,
        join(dir, 'reports', `${aborted.experimentId}-${aborted.executionId}.html`),
        join(screenshots, 'real-experiment-report.png'),
      );
      const charts = reportCheck.charts.map((c) => c.chart);
      expect(charts).toEqual(expect.arrayContaining(['availabilityPercent', 'p95LatencyMs', 'requestsPerSecond']));
      expect(reportPageFaults(reportCheck, charts.length)).toEqual([]);
      expect(reportCheck.banner).toMatchObject({ verdict: 'FAILED', visible: true });
    } finally {
      await browser.close();
    }
  }, 180_000);
});
