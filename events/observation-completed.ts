import { defineContract, faultlineDetail } from './contract';
import { metricsSchema } from './shapes';

/** The planned end of the fault: observation figures recorded, revert may begin. */
export const ObservationCompleted = defineContract({
  detailType: 'ObservationCompleted',
  version: 1,
  description: 'planned end of the fault',
  schema: faultlineDetail(1, { metrics: metricsSchema }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    metrics: { availabilityPercent: 99.6, latencyMs: { p50: 40, p95: 310, p99: 620 }, requests: 1800 },
  },
});
