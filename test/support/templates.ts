import type { TemplateInput } from '../../shared/domain/template';

/** A small local template with short timings, for flow tests. */
export const quickTemplate = (overrides: Partial<TemplateInput> = {}): TemplateInput => ({
  id: 'quick-latency',
  version: 1,
  description: 'latency on one replica',
  hypothesis: {
    statement: 'availability holds and the fleet recovers quickly',
    successCriteria: [
      { type: 'availability', minPercent: 99 },
      { type: 'latency', percentile: 95, maxMs: 500 },
      { type: 'recoveryTime', maxSeconds: 5 },
    ],
  },
  targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: 'COUNT(1)' } },
  actions: { slow: { fault: 'network-latency', target: 'web', parameters: { delayMs: 100 }, duration: 'PT2S' } },
  stopConditions: [{ alarm: 'local-p95-latency' }],
  safety: { environments: ['local'], maxTargetsPercent: 50 },
  observation: { window: 'PT0.3S' },
  recovery: { timeout: 'PT2S', checkEvery: 'PT0.1S' },
  ...overrides,
});
