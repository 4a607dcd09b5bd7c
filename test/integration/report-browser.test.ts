import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { reportFileName } from '../../cli/commands/report';
import { renderExperimentReport, renderGameDayIndex } from '../../shared/report/html';
import { checkPage, launchChromium, reportPageFaults } from '../support/browser';
import { abortedDocument, demoGameDay } from '../support/report-documents';

/**
 * The HTML reports in a real browser (Debian's chromium, headless, through puppeteer-core): the
 * game-day index of the demo's three experiments and the report of the ABORTED one, opened as
 * file:// pages. No console error, page error or request; every chart container drawn by uPlot
 * (data-drawn and inked canvas pixels of the series' line); the verdicts visible. Full-page
 * screenshots go to reports/screenshots/. Then the checker is fed broken pages and must say so.
 */
const root = join(__dirname, '../..');
const screenshots = join(root, 'reports', 'screenshots');

jest.setTimeout(30_000);

describe('HTML reports in headless Chromium', () => {
  let browser: Browser;
  mkdirSync(join(root, '.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, '.cache', 'report-browser-'));
  const gameDay = demoGameDay();
  const index = 'gameday-demo-run-1.html';

  beforeAll(async () => {
    browser = await launchChromium();
    writeFileSync(join(dir, index), renderGameDayIndex(gameDay, { reportHref: reportFileName }));
    for (const document of gameDay.results)
      writeFileSync(
        join(dir, reportFileName(document)),
        renderExperimentReport(document, {
          indexHref: index,
          hypothesis: 'The fleet keeps serving while one replica is slow.',
          history: [
            { executionId: 'run-a', completedAt: '2026-11-20T18:02:00.000Z', verdict: 'PASSED', score: 100 },
            { executionId: 'run-b', completedAt: '2026-11-24T18:02:00.000Z', verdict: 'FAILED', score: 50 },
            { executionId: 'run-c', completedAt: '2026-11-27T18:02:00.000Z', verdict: 'PASSED', score: 100 },
            {
              executionId: document.executionId,
              completedAt: document.completedAt,
              verdict: document.verdict,
              score: document.score,
            },
          ],
        }),
      );
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the game-day index: no error, every small chart drawn, every verdict and the score visible', async () => {
    const check = await checkPage(browser, join(dir, index), join(screenshots, 'gameday-index.png'));
    expect(reportPageFaults(check, gameDay.results.length)).toEqual([]);
    expect(check.charts.map((c) => c.chart)).toEqual(['availabilityPercent', 'p95LatencyMs', 'availabilityPercent']);
    expect(check.banner).toMatchObject({ verdict: 'FAILED', visible: true });
    expect(check.text).toContain('game-day score 50 / 100');
    for (const d of gameDay.results) {
      expect(check.text).toContain(d.experimentId);
      expect(check.text).toContain(d.verdict);
      // Every link leads to a page that exists.
      expect(readFileSync(join(dir, reportFileName(d)), 'utf8')).toContain(d.executionId);
    }
    expect(check.text).toMatch(/PASSED[\s\S]*FAILED[\s\S]*FAILED/);
  });

  it("an experiment's report: no error, one drawn chart per series and the score trend, the verdict visible", async () => {
    const document = abortedDocument();
    const check = await checkPage(
      browser,
      join(dir, reportFileName(document)),
      join(screenshots, 'experiment-report.png'),
    );
    expect(reportPageFaults(check, 4)).toEqual([]);
    expect(check.charts.map((c) => c.chart)).toEqual([
      'availabilityPercent',
      'p95LatencyMs',
      'requestsPerSecond',
      'score-trend',
    ]);
    for (const c of check.charts) expect(c.linePixels).toBeGreaterThan(50);
    expect(check.banner).toMatchObject({ verdict: 'FAILED', visible: true });
    expect(check.banner!.width).toBeGreaterThan(0);
    expect(check.banner!.height).toBeGreaterThan(0);
    for (const text of ['FAILED', 'status ABORTED', 'score 0 / 100', 'alarm demo-p95-latency', 'Safety violated'])
      expect(check.text).toContain(text);
  });

  describe('the checker reports a broken page', () => {
    const good = () => renderExperimentReport(abortedDocument());
    const broken = async (name: string, html: string) => {
      const file = join(dir, `broken-${name}.html`);
      writeFileSync(file, html);
      return checkPage(browser, file);
    };

    it('chart data that makes the drawing throw: data-drawn="error" and a console error', async () => {
      // The spans of every chart are no longer a list: the shading hook throws inside uPlot.
      const html = good().replace(/"spans":\[[^\]]*\]/g, '"spans":7');
      const faults = reportPageFaults(await broken('throws', html), 3);
      expect(faults).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^console error: faultline report: chart chart-0 was not drawn/),
          'chart chart-0 (availabilityPercent): data-drawn=error',
        ]),
      );
    });

    it('an error on the console, an uncaught exception and a request to elsewhere', async () => {
      const html = good().replace(
        '</body>',
        '<script>console.error("boom")</script><script>undefinedFunction()</script><script src="https://cdn.invalid/x.js"></script></body>',
      );
      const faults = reportPageFaults(await broken('errors', html), 3);
      expect(faults).toEqual(
        expect.arrayContaining([
          'console error: boom',
          expect.stringMatching(/^page error: .*undefinedFunction/),
          expect.stringMatching(/cdn\.invalid/),
        ]),
      );
    });

    it('a chart marked drawn on a blank canvas, a chart with no line, a missing banner', async () => {
      const allNull = abortedDocument();
      allNull.series = {
        ...allNull.series!,
        series: [{ ...allNull.series!.series[0]!, points: allNull.series!.series[0]!.points.map(([t]) => [t, null]) }],
      };
      const html = renderExperimentReport(allNull)
        .replace('class="banner', 'style="display:none" class="banner')
        .replace('</h2>', '</h2><div data-chart="fake" id="fake" data-drawn="true"><canvas></canvas></div>');
      const faults = reportPageFaults(await broken('blank', html), 2);
      expect(faults).toEqual([
        'chart fake (fake): blank canvas',
        'chart chart-0 (availabilityPercent): axes but no line drawn',
        'the verdict banner is missing or not visible',
      ]);
    });
  });
});
