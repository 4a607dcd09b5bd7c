import type { Execution } from '../../shared/domain/execution';
import { parseTemplate } from '../../shared/domain/template';
import { judge } from '../../shared/phases/validate';
import { quickTemplate } from '../support/templates';

const execution = (overrides: Partial<Execution> = {}): Execution => ({
  executionId: 'e',
  experimentId: 'quick-latency',
  templateVersion: 1,
  template: parseTemplate(quickTemplate()),
  status: 'VALIDATING',
  version: 7,
  environment: 'local',
  dryRun: false,
  trigger: { type: 'cli' },
  requestedAt: '',
  updatedAt: '',
  safety: { violated: false },
  observation: { availabilityPercent: 99.5, latencyMs: { p95: 120 } },
  recoverySeconds: 1.2,
  ...overrides,
});

describe('judge: verdicts', () => {
  it('PASSED only when every criterion is met', () => {
    expect(judge(execution())).toMatchObject({ verdict: 'PASSED', status: 'COMPLETED' });
  });
  it('a missed criterion is FAILED', () => {
    const j = judge(execution({ observation: { availabilityPercent: 97, latencyMs: { p95: 120 } } }));
    expect(j).toMatchObject({ verdict: 'FAILED', reasons: ['availability: expected >= 99%, got 97%'] });
  });
  it('a missing measurement is INCONCLUSIVE, never PASSED', () => {
    expect(judge(execution({ observation: { availabilityPercent: 100 } })).verdict).toBe('INCONCLUSIVE');
    expect(judge(execution({ observation: {} })).criteria.map((c) => c.passed)).toEqual([null, null, true]);
  });
  it('a safety violation is ABORTED and FAILED even when every figure is good', () => {
    expect(judge(execution({ safety: { violated: true, reason: 'alarm x' } }))).toMatchObject({
      verdict: 'FAILED',
      status: 'ABORTED',
    });
  });
  it('a recovery timeout fails the recoveryTime criterion', () => {
    const j = judge(execution({ recoveryTimedOut: true, recoverySeconds: undefined }));
    expect(j.verdict).toBe('FAILED');
    expect(j.criteria[2]).toMatchObject({ type: 'recoveryTime', passed: false, actual: 'timed out' });
  });
  it('an internal failure ends FAILED with an INCONCLUSIVE verdict', () => {
    expect(judge(execution({ failure: 'injection failed' }))).toMatchObject({
      verdict: 'INCONCLUSIVE',
      status: 'FAILED',
    });
  });
});
