import * as z from 'zod';
import { defineContract, faultlineDetail, isoTimeSchema } from './contract';
import { triggerSchema } from './shapes';

/** Asks for one execution of a template: inline (`template`) or stored (`templateVersion`). */
export const ExperimentRequested = defineContract({
  detailType: 'ExperimentRequested',
  version: 1,
  description: 'start an execution of a template',
  schema: faultlineDetail(1, {
    /** The template document, validated by prepare (an invalid one is rejected, not dropped). */
    template: z.record(z.string(), z.unknown()).optional(),
    /** A stored template version; the newest when neither this nor `template` is given. */
    templateVersion: z.number().int().min(1).optional(),
    /** Where this runs; checked against the template's safety.environments. */
    environment: z.string().min(1).optional(),
    dryRun: z.boolean().default(false),
    trigger: triggerSchema,
    requestedAt: isoTimeSchema,
  }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    templateVersion: 3,
    environment: 'staging',
    dryRun: false,
    trigger: { type: 'cli', reference: 'alice' },
    requestedAt: '2026-11-29T10:00:00.000Z',
  },
});
