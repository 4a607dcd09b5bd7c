import type { ResolvedTarget } from '../../shared/domain/execution';
import { selectTargets } from '../../shared/phases/select-targets';

const candidates = (n: number): ResolvedTarget[] =>
  Array.from({ length: n }, (_, i) => ({
    name: 'web',
    provider: 'aws',
    resourceType: 'aws:ec2:instance',
    id: `i-${i}`,
    key: `aws:ec2:instance:i-${i}`,
  }));
const safety = { environments: ['staging'], maxTargetsPercent: 100, maxTargets: 10, minHealthyTargets: 0 };
const spec = (selectionMode: string) => ({
  provider: 'aws' as const,
  resourceType: 'aws:ec2:instance',
  selectionMode,
  resourceTags: { app: 'x' },
});

describe('selectTargets: selection mode, then the blast-radius caps', () => {
  it.each([
    ['ALL', 6, 6],
    ['COUNT(2)', 6, 2],
    ['PERCENT(50)', 6, 3],
    ['PERCENT(10)', 6, 1],
  ])('%s of %i candidates selects %i', (mode, n, expected) => {
    const s = selectTargets('web', spec(mode), candidates(n), safety);
    expect(s.ok && s.targets.length).toBe(expected);
  });

  it('maxTargetsPercent caps whatever the mode asks', () => {
    const s = selectTargets('web', spec('ALL'), candidates(6), { ...safety, maxTargetsPercent: 34 });
    expect(s.ok && s.targets.length).toBe(2);
  });

  it('maxTargets is a hard maximum', () => {
    const s = selectTargets('web', spec('ALL'), candidates(30), { ...safety, maxTargets: 3 });
    expect(s.ok && s.targets.length).toBe(3);
  });

  it('minHealthyTargets keeps enough untouched', () => {
    const s = selectTargets('web', spec('ALL'), candidates(3), { ...safety, minHealthyTargets: 2 });
    expect(s.ok && s.targets.length).toBe(1);
  });

  it('refuses when the caps allow nothing, or nothing matches', () => {
    expect(selectTargets('web', spec('COUNT(1)'), candidates(2), { ...safety, maxTargetsPercent: 34 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/allow no target/),
    });
    expect(selectTargets('web', spec('ALL'), [], safety)).toMatchObject({
      ok: false,
      reason: 'target web: no resource matches',
    });
    expect(selectTargets('web', spec('COUNT(5)'), candidates(2), safety)).toMatchObject({ ok: false });
  });

  it.each([0, 0.25, 0.5, 0.999])('never selects the same target twice (random always %f)', (r) => {
    const s = selectTargets('web', spec('COUNT(4)'), candidates(6), safety, () => r);
    expect(s.ok && new Set(s.targets.map((t) => t.key)).size).toBe(4);
  });
});
