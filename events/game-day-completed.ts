import * as z from 'zod';
import { defineContract, isoTimeSchema } from './contract';
import { statusSchema, verdictSchema } from './shapes';

/**
 * The result of a game-day run: every execution of the suite is final. A public event, for the
 * teams whose systems the suite tested. `verdict` is PASSED only when every execution PASSED,
 * FAILED when any FAILED, INCONCLUSIVE otherwise (a rejection or a dry run is never a pass).
 */
export const GameDayCompleted = defineContract({
  detailType: 'GameDayCompleted',
  version: 1,
  description: "a game-day suite's run is over: every execution's verdict and the suite's",
  schema: z.object({
    version: z.literal(1),
    suite: z.string().min(1).max(64),
    runId: z.string().min(1).max(128),
    environment: z.string(),
    verdict: verdictSchema,
    counts: z.object({
      total: z.number().int().min(0),
      passed: z.number().int().min(0),
      failed: z.number().int().min(0),
      inconclusive: z.number().int().min(0),
    }),
    executions: z.array(
      z.object({
        executionId: z.string().min(1).max(128),
        experimentId: z.string().min(1).max(64),
        status: statusSchema,
        verdict: verdictSchema,
        reasons: z.array(z.string()),
      }),
    ),
    startedAt: isoTimeSchema,
    completedAt: isoTimeSchema,
  }),
  fixture: {
    version: 1,
    suite: 'nightly-checkout',
    runId: 'b8e0d0a4-6a55-4f40-9d0e-3f3c2f7a1e10',
    environment: 'staging',
    verdict: 'FAILED',
    counts: { total: 2, passed: 1, failed: 1, inconclusive: 0 },
    executions: [
      {
        executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
        experimentId: 'checkout-instance-loss',
        status: 'COMPLETED',
        verdict: 'PASSED',
        reasons: [],
      },
      {
        executionId: '5d1b9c2e-8f3a-4c6d-b7e0-2a9f1c3d4e5f',
        experimentId: 'checkout-db-failover',
        status: 'COMPLETED',
        verdict: 'FAILED',
        reasons: ['recoveryTime: expected <= 120s, got 187.4s'],
      },
    ],
    startedAt: '2026-11-30T01:00:02.000Z',
    completedAt: '2026-11-30T01:24:40.000Z',
  },
});
