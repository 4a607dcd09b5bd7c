import fc from 'fast-check';
import type { Execution, ResolvedTarget } from '../../shared/domain/execution';
import { parseTemplate } from '../../shared/domain/template';
import { selectTargets } from '../../shared/phases/select-targets';
import { judge } from '../../shared/phases/validate';
import { quickTemplate } from '../support/templates';

const template = parseTemplate(quickTemplate());
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const executionArb = fc.record({
  availability: maybe(fc.double({ min: 0, max: 100, noNaN: true })),
  p95: maybe(fc.double({ min: 0, max: 5000, noNaN: true })),
  recoverySeconds: maybe(fc.double({ min: 0, max: 600, noNaN: true })),
  recoveryTimedOut: fc.boolean(),
  violated: fc.boolean(),
  failure: maybe(fc.constantFrom('injection failed', 'stale start')),
});

type Figures = typeof executionArb extends fc.Arbitrary<infer T> ? T : never;

const execution = (e: Figures): Execution => ({
  executionId: 'e',
  experimentId: 'quick-latency',
  templateVersion: 1,
  template,
  status: 'VALIDATING',
  version: 3,
  environment: 'local',
  dryRun: false,
  trigger: { type: 'cli' },
  requestedAt: '',
  updatedAt: '',
  safety: { violated: e.violated, ...(e.violated ? { reason: 'alarm' } : {}) },
  observation: {
    ...(e.availability !== undefined ? { availabilityPercent: e.availability } : {}),
    ...(e.p95 !== undefined ? { latencyMs: { p95: e.p95 } } : {}),
  },
  ...(e.recoverySeconds !== undefined ? { recoverySeconds: e.recoverySeconds } : {}),
  ...(e.recoveryTimedOut ? { recoveryTimedOut: true } : {}),
  ...(e.failure ? { failure: e.failure } : {}),
});

describe('verdicts, for any figures', () => {
  it('a safety violation is never PASSED and always ABORTED', () => {
    fc.assert(
      fc.property(executionArb, (e) => {
        const j = judge(execution({ ...e, violated: true }));
        return j.verdict === 'FAILED' && j.status === 'ABORTED';
      }),
    );
  });

  it('PASSED only when every figure was measured and every criterion held', () => {
    fc.assert(
      fc.property(executionArb, (e) => {
        const j = judge(execution(e));
        if (j.verdict !== 'PASSED') return true;
        return (
          !e.violated &&
          !e.failure &&
          !e.recoveryTimedOut &&
          e.availability !== undefined &&
          e.availability >= 99 &&
          e.p95 !== undefined &&
          e.p95 <= 500 &&
          e.recoverySeconds !== undefined &&
          e.recoverySeconds <= 5 &&
          j.criteria.every((c) => c.passed === true)
        );
      }),
    );
  });

  it('a missing figure is never PASSED', () => {
    fc.assert(
      fc.property(executionArb, fc.constantFrom('availability', 'p95', 'recoverySeconds'), (e, missing) => {
        return judge(execution({ ...e, [missing]: undefined })).verdict !== 'PASSED';
      }),
    );
  });
});

describe('blast radius, for any fleet and any settings', () => {
  const candidates = (n: number): ResolvedTarget[] =>
    Array.from({ length: n }, (_, i) => ({
      name: 'web',
      provider: 'aws',
      resourceType: 'aws:ec2:instance',
      id: `i-${i}`,
      key: `k-${i}`,
    }));
  const modeArb = fc.oneof(
    fc.constant('ALL'),
    fc.integer({ min: 1, max: 50 }).map((n) => `COUNT(${n})`),
    fc.integer({ min: 1, max: 100 }).map((p) => `PERCENT(${p})`),
  );

  it('never selects more than the caps allow, never leaves fewer healthy than asked, never a target twice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        modeArb,
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        (n, mode, maxTargetsPercent, maxTargets, minHealthyTargets) => {
          const s = selectTargets(
            'web',
            { provider: 'aws', resourceType: 'aws:ec2:instance', selectionMode: mode, resourceTags: { a: 'b' } },
            candidates(n),
            {
              environments: ['x'],
              maxTargetsPercent,
              maxTargets,
              minHealthyTargets,
            },
          );
          if (!s.ok) return true;
          const k = s.targets.length;
          return (
            k >= 1 &&
            k <= maxTargets &&
            k <= Math.floor((n * maxTargetsPercent) / 100) &&
            n - k >= minHealthyTargets &&
            new Set(s.targets.map((t) => t.key)).size === k
          );
        },
      ),
    );
  });
});
