import { canonicalJson, chainHead, chainProblems, GENESIS } from '../../shared/domain/journal-chain';
import type { JournalEntry } from '../../shared/domain/execution';
import { resultProblems } from '../../cli/commands/verify';
import { InMemoryStore } from '../../testing/in-memory-store';

const journalOf = async (n: number): Promise<JournalEntry[]> => {
  let t = Date.parse('2026-11-29T10:00:00Z');
  const store = new InMemoryStore({ now: () => new Date((t += 1000)) });
  for (let i = 0; i < n; i++)
    await store.journal('x', {
      phase: 'inject',
      action: `step ${i}`,
      outcome: 'ok',
      detail: { i, nested: { b: 1, a: [1, 'z'] } },
    });
  return store.readJournal('x');
};

describe('canonical JSON', () => {
  it('gives one text for one value, whatever the order of its fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(canonicalJson({ a: undefined, b: 'é"\n' })).toBe('{"b":"é\\"\\n"}');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow('not a JSON number');
  });
});

describe('the journal chain', () => {
  it('holds as written', async () => {
    const journal = await journalOf(5);
    expect(journal[0]).toMatchObject({ seq: 1, prev: GENESIS });
    expect(journal[1]!.prev).toBe(journal[0]!.hash);
    expect(chainProblems('x', journal, chainHead(journal))).toEqual([]);
  });

  it('names a changed entry, a removed one, two swapped, an added one, a wrong head and another execution', async () => {
    const journal = await journalOf(5);
    const head = chainHead(journal)!;
    const changed = journal.map((e, i) => (i === 2 ? { ...e, detail: { ...e.detail, i: 99 } } : e));
    expect(chainProblems('x', changed, head)).toEqual([expect.stringMatching(/^entry 3 .* was altered/)]);

    const removed = journal.filter((_, i) => i !== 1);
    expect(chainProblems('x', removed, head).join('\n')).toMatch(/entry 2 .* has number 3, expected 2/);

    const swapped = [journal[0]!, journal[2]!, journal[1]!, journal[3]!, journal[4]!];
    expect(chainProblems('x', swapped, head).join('\n')).toMatch(/does not link/);

    const truncated = journal.slice(0, 4);
    expect(chainProblems('x', truncated, head)).toEqual([expect.stringContaining('is not the last entry')]);

    expect(chainProblems('x', journal, null)).toEqual(['the result holds no journal head']);
    expect(chainProblems('another', journal, head).length).toBe(5);

    const unchained = journal.map(({ seq: _s, prev: _p, hash: _h, ...e }) => e);
    expect(chainProblems('x', unchained, head)[0]).toMatch(/is not chained/);
  });

  it('verify reads the timeline of a result document and compares the recorded verdict', async () => {
    const journal = await journalOf(3);
    const timeline = journal.map(({ action, ...e }) => ({ ...e, event: action }));
    const document = {
      executionId: 'x',
      experimentId: 'e',
      status: 'OBSERVING',
      verdict: 'PASSED',
      timeline,
      journalHead: chainHead(journal),
    };
    expect(resultProblems(document)).toEqual([]);
    const edited = structuredClone(document);
    edited.timeline[1]!.outcome = 'failed';
    expect(resultProblems(edited)).toEqual([expect.stringMatching(/^entry 2 .* was altered/)]);
    expect(resultProblems({ timeline: [] })).toEqual(['not a result document (no executionId or timeline)']);
    // A final result whose journal records no outcome: its end was cut off.
    expect(resultProblems({ ...document, status: 'COMPLETED' })).toEqual([
      expect.stringContaining('its journal records no outcome (finish completed) for a final result'),
    ]);
  });
});
