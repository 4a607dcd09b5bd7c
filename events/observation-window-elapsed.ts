import { defineContract, faultlineDetail, isoTimeSchema } from './contract';

/** Published by the timer when the observation window is over. */
export const ObservationWindowElapsed = defineContract({
  detailType: 'ObservationWindowElapsed',
  version: 1,
  description: 'the observation window is over',
  schema: faultlineDetail(1, { windowStart: isoTimeSchema, windowEnd: isoTimeSchema }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    windowStart: '2026-11-29T10:00:20.000Z',
    windowEnd: '2026-11-29T10:03:20.000Z',
  },
});
