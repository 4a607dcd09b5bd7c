import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { historyOf, storedDocument } from '../../shared/report/publish';
import { captureByKind } from '../support/cli-output';
import { abortedDocument, passedDocument } from '../support/report-documents';
import { phaseDeps, seedExecution, unitTemplate } from './phases/support';

/** `faultline report`: a result document on disk, or an execution in the store, to one HTML page. */
describe('faultline report', () => {
  mkdirSync(join(__dirname, '../../.cache'), { recursive: true });
  const dir = mkdtempSync(join(__dirname, '../../.cache/report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders a result document file next to it, or to --out, and prints the path', async () => {
    const file = join(dir, 'demo-network-latency-exec.json');
    writeFileSync(file, JSON.stringify(abortedDocument()));
    const { out, lines } = captureByKind();
    expect(await main(['report', file], out)).toBe(0);
    const html = readFileSync(join(dir, 'demo-network-latency-exec.html'), 'utf8');
    expect(html).toContain('data-verdict="FAILED"');
    expect(html).toContain('data-chart="p95LatencyMs"');
    expect(lines.result).toEqual([expect.stringMatching(/^report: .*demo-network-latency-exec\.html$/)]);

    const elsewhere = join(dir, 'out', 'page.html');
    expect(await main(['report', file, '--out', elsewhere], out)).toBe(0);
    expect(readFileSync(elsewhere, 'utf8')).toContain('demo-network-latency');
  });

  it('a document written before series and scores renders with "no series"', async () => {
    const { series: _s, score: _c, ...old } = passedDocument();
    const file = join(dir, 'old.json');
    writeFileSync(file, JSON.stringify(old));
    expect(await main(['report', file], captureByKind().out)).toBe(0);
    expect(readFileSync(join(dir, 'old.html'), 'utf8')).toContain('No series were recorded');
  });

  it('refuses (exit 1) a file that is not JSON or not a result document, and a missing .json', async () => {
    for (const [name, text] of [
      ['broken.json', '{ not json'],
      ['other.json', JSON.stringify({ hello: 'world' })],
    ] as const) {
      writeFileSync(join(dir, name), text);
      const { out, lines } = captureByKind();
      expect(await main(['report', join(dir, name)], out)).toBe(1);
      expect(lines.error.join('\n')).toMatch(/is not (JSON|a result document)/);
    }
    const { out, lines } = captureByKind();
    expect(await main(['report', join(dir, 'missing.json')], out)).toBe(1);
    expect(lines.error.join('\n')).toContain('no result document at');
  });

  it('reads an execution from the store with its series, and the score trend of its template', async () => {
    const deps = phaseDeps();
    for (const [id, verdict] of [
      ['e-1', 'PASSED'],
      ['e-2', 'FAILED'],
      ['e-3', 'PASSED'],
    ] as const) {
      deps.clock.advance(60_000);
      await seedExecution(deps, 'COMPLETED', {
        executionId: id,
        set: {
          verdict,
          criteria: [{ type: 'availability', expected: '>= 99%', actual: '1%', passed: verdict === 'PASSED' }],
        },
      });
    }
    await seedExecution(deps, 'OBSERVING', { executionId: 'e-4' }); // not final: not in the trend
    const trend = await historyOf(deps.store as never, unitTemplate().id as string);
    expect(trend.map((t) => [t.executionId, t.verdict, t.score]).sort()).toEqual([
      ['e-1', 'PASSED', 100],
      ['e-2', 'FAILED', 0],
      ['e-3', 'PASSED', 100],
    ]);
    const stored = await storedDocument(deps.store as never, 'e-2');
    expect(stored?.document).toMatchObject({ executionId: 'e-2', verdict: 'FAILED', score: 0, series: null });
    const series = passedDocument().series!;
    await deps.store.putSeries('e-3', series);
    expect((await storedDocument(deps.store as never, 'e-3'))?.document.series).toEqual(series);
    expect(await storedDocument(deps.store as never, 'nobody')).toBeUndefined();
  });
});
