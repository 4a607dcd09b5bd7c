import * as z from 'zod';
import { defineContract, isoTimeSchema } from './contract';
import { dueSuiteSchema } from './suite';

/**
 * A game-day suite is due: its EventBridge Scheduler schedule fired (the suite rides in the
 * schedule's input), or the local runner asked for a run. The game-day function checks the
 * calendar and the suite's lock, then starts the run.
 */
export const GameDayDue = defineContract({
  detailType: 'GameDayDue',
  version: 1,
  description: 'a game-day suite is due to run',
  schema: z.object({
    version: z.literal(1),
    suite: dueSuiteSchema,
    /** When it was due (Scheduler fills `<aws.scheduler.scheduled-time>`); the calendar is checked at this time. */
    dueAt: isoTimeSchema.optional(),
    /** Chosen by the caller to follow the run (local runner); otherwise derived from the event id. */
    runId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/)
      .optional(),
    requestedBy: z.string().max(256).optional(),
  }),
  fixture: {
    version: 1,
    dueAt: '2026-11-30T02:00:00Z',
    suite: {
      name: 'nightly-checkout',
      templates: ['checkout-instance-loss', 'checkout-db-failover'],
      schedule: { cron: '0 2 ? * MON-FRI *', timezone: 'Europe/Berlin' },
      allowedHours: { from: '01:00', to: '05:00', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] },
      blackouts: [
        { from: '2026-12-21T00:00:00+01:00', to: '2027-01-04T00:00:00+01:00', reason: 'year-end change freeze' },
      ],
    },
  },
});
