import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { captureByKind as capture } from '../support/cli-output';
import { main } from '../../cli/main';
import { startReachableStack } from '../support/runtime';
import type { JournalEntry } from '../../shared/domain/execution';
import { chainEntry, type ChainHead } from '../../shared/domain/journal-chain';
import { quickTemplate } from '../support/templates';

/**
 * `faultline history` reads a table that outlives the CLI process: a running embedded runtime
 * (as `faultline local` serves it) reached through AWS_ENDPOINT_URL_DYNAMODB, as a deployed stack's.
 */
describe('faultline history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-history-'));
  let stack: Awaited<ReturnType<typeof startReachableStack>>;

  beforeAll(async () => {
    stack = await startReachableStack();
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The result documents of the runs, for `verify`. */
  const documents: Record<string, unknown>[] = [];

  it('after two runs of the same template lists both, newest first, with scores', async () => {
    const template = join(dir, 'quick.yaml');
    writeFileSync(template, stringify(quickTemplate()));
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { out, lines } = capture();
      expect(await main(['run', template, '--json'], out)).toBe(0);
      const document = JSON.parse(lines.result[0]!);
      expect(document).toMatchObject({ verdict: 'PASSED', score: 100 });
      ids.push(document.executionId);
      documents.push(document);
    }

    const json = capture();
    expect(await main(['history', 'quick-latency', '--json'], json.out)).toBe(0);
    const entries = JSON.parse(json.lines.result[0]!);
    expect(entries.map((e: { executionId: string }) => e.executionId)).toEqual([ids[1], ids[0]]);
    expect(entries[0]).toEqual({
      requestedAt: expect.any(String),
      executionId: ids[1],
      status: 'COMPLETED',
      verdict: 'PASSED',
      score: 100,
      change: 0,
    });
    expect(entries[1]).toMatchObject({ executionId: ids[0], score: 100, change: null });
    expect(entries[0].requestedAt > entries[1].requestedAt).toBe(true);

    const text = capture();
    expect(await main(['history', 'quick-latency'], text.out)).toBe(0);
    const printed = text.lines.result.join('\n');
    expect(printed).toMatch(/requested at\s+execution\s+status\s+verdict\s+score\s+change/);
    expect(printed.indexOf(ids[1]!)).toBeLessThan(printed.indexOf(ids[0]!));
    expect(printed).toMatch(new RegExp(`${ids[1]}\\s+COMPLETED\\s+PASSED\\s+100\\s+0`));
    expect(printed).toContain('2 execution(s), scores oldest to newest ██');

    const one = capture();
    expect(await main(['history', 'quick-latency', '--last', '1', '--json'], one.out)).toBe(0);
    expect(JSON.parse(one.lines.result[0]!).map((e: { executionId: string }) => e.executionId)).toEqual([ids[1]]);
  }, 60_000);

  it('an experiment without executions lists none; a bad --last exits 1', async () => {
    const { out, lines } = capture();
    expect(await main(['history', 'never-ran'], out)).toBe(0);
    expect(lines.result).toEqual(['no executions of never-ran']);
    const bad = capture();
    expect(await main(['history', 'quick-latency', '--last', 'zero'], bad.out)).toBe(1);
    expect(bad.lines.error.join('\n')).toMatch(/--last must be a whole number/);
  });

  it('verify: an untouched result is intact; one changed journal entry, a changed verdict, or a chain rewritten whole (against the table) is named', async () => {
    const [document] = documents;
    expect(document).toBeDefined();
    const path = join(dir, 'result.json');
    writeFileSync(path, JSON.stringify(document, null, 2));
    const intact = capture();
    expect(await main(['verify', path], intact.out)).toBe(0);
    expect(intact.lines.result.join('\n')).toMatch(
      /^intact {3}quick-latency [0-9a-f-]{36}: \d+ journal entries, head [0-9a-f]{16}…$/,
    );

    const altered = structuredClone(document) as { timeline: { outcome: string }[] };
    altered.timeline[2]!.outcome = 'skipped';
    writeFileSync(path, JSON.stringify(altered));
    const changed = capture();
    expect(await main(['verify', path], changed.out)).toBe(3);
    expect(changed.lines.result.join('\n')).toMatch(/ALTERED {2}quick-latency .*\n {2}- entry 3 \(.*\) was altered/);

    writeFileSync(path, JSON.stringify({ ...document, verdict: 'FAILED' }));
    const verdict = capture();
    expect(await main(['verify', path, '--json'], verdict.out)).toBe(3);
    expect(JSON.parse(verdict.lines.result[0]!)).toMatchObject({
      intact: false,
      results: [
        {
          problems: [
            'the result says verdict FAILED, its journal recorded PASSED',
            "the result's criteria, reasons, figures, safety or score differ from the outcome its journal recorded",
          ],
        },
      ],
    });

    // A criterion's figure edited: the outcome its journal recorded says otherwise.
    const edited = structuredClone(document) as { criteria: { passed: boolean | null; actual: string | null }[] };
    edited.criteria[0]!.actual = '12%';
    writeFileSync(path, JSON.stringify(edited));
    const criteria = capture();
    expect(await main(['verify', path], criteria.out)).toBe(3);
    expect(criteria.lines.result.join('\n')).toContain(
      "the result's criteria, reasons, figures, safety or score differ from the outcome its journal recorded",
    );

    // Cut off before its outcome, head moved back, verdict changed: the chain alone holds, but a
    // final result must carry its recorded outcome; the table has it.
    const cut = structuredClone(document) as { timeline: { event: string; seq: number; hash: string }[] } & Record<
      string,
      unknown
    >;
    const at = cut.timeline.findIndex((e) => e.event === 'completed');
    expect(at).toBeGreaterThan(0);
    cut.timeline = cut.timeline.slice(0, at);
    cut.journalHead = { seq: cut.timeline.at(-1)!.seq, hash: cut.timeline.at(-1)!.hash };
    cut.verdict = 'FAILED';
    writeFileSync(path, JSON.stringify(cut));
    const cutOff = capture();
    expect(await main(['verify', path], cutOff.out)).toBe(3);
    expect(cutOff.lines.result.join('\n')).toContain('its journal records no outcome (finish completed)');
    const cutTable = capture();
    expect(await main(['verify', path, '--table'], cutTable.out)).toBe(3);
    expect(cutTable.lines.result.join('\n')).toMatch(
      /the table records the outcome at entry \d+, which the result does not hold/,
    );

    // Rewritten whole, every hash recomputed: the document holds together, the table tells it.
    type Entry = Omit<JournalEntry, 'action'> & { event?: string };
    const rewritten = structuredClone(document) as { executionId: string; timeline: Entry[]; journalHead: unknown };
    let head: ChainHead | undefined;
    rewritten.timeline = rewritten.timeline.map(({ event, ...entry }, i) => {
      const linked = chainEntry(rewritten.executionId, head, {
        ...entry,
        action: event!,
        ...(i === 2 ? { outcome: 'skipped' as const } : {}),
      });
      head = { seq: linked.seq, hash: linked.hash };
      const { action, ...rest } = linked;
      return { ...rest, event: action };
    });
    rewritten.journalHead = head;
    writeFileSync(path, JSON.stringify(rewritten));
    const recomputed = capture();
    expect(await main(['verify', path], recomputed.out)).toBe(0);
    const anchored = capture();
    expect(await main(['verify', path, '--table'], anchored.out)).toBe(3);
    expect(anchored.lines.result.join('\n')).toMatch(/- entry 3 \(.*\) differs from the table's/);
    writeFileSync(path, JSON.stringify(document));
    const untouched = capture();
    expect(await main(['verify', path, '--table'], untouched.out)).toBe(0);

    writeFileSync(path, '{ not json');
    const bad = capture();
    expect(await main(['verify', path], bad.out)).toBe(1);
    expect(bad.lines.error.join('\n')).toMatch(/is not JSON/);
  });
});
