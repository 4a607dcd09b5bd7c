import * as z from 'zod';
import { defineContract } from '../contract';

/** "Scheduled Event" from `aws.events`: a scheduled rule fired (game days, the sweeper). */
export const ScheduledEvent = defineContract({
  detailType: 'Scheduled Event',
  source: 'aws.events',
  version: 0,
  description: 'a scheduled rule fired',
  schema: z.object({}),
  fixture: {},
});
