import { CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { createHash } from 'node:crypto';
import { FaultlineError } from '../errors';
import type { BusEntry, Clock, Timer } from '../ports';
import { isAwsError } from './aws-error';

/** A schedule could not be created or deleted. */
export class ScheduleError extends FaultlineError {}

interface SchedulerTimerOptions {
  /** Schedule group that holds faultline's schedules (its IAM scope). */
  groupName: string;
  /** The bus the schedules put their events on. */
  eventBusArn: string;
  /** Role EventBridge Scheduler assumes to call events:PutEvents on that bus. */
  roleArn: string;
  /** Queue for events Scheduler could not deliver after its retries. */
  deadLetterArn?: string;
  clock?: Clock;
  /**
   * How far ahead a schedule must be at least. Scheduler refuses an at() time in the past, and
   * a deadline that has already passed must still fire: it is moved to now + this lead.
   */
  minLeadMs?: number;
}

const NAME_MAX = 64;
const NAME_ALLOWED = /^[0-9a-zA-Z\-_.]+$/;

/**
 * A schedule name Scheduler accepts ([0-9a-zA-Z-_.], at most 64) for a timer name. A name that
 * had to be changed gets a hash of the original, so that two names never meet in one.
 */
export const scheduleName = (name: string): string => {
  if (name.length > 0 && name.length <= NAME_MAX && NAME_ALLOWED.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  const readable = name.replace(/[^0-9a-zA-Z\-_.]/g, '-').slice(0, NAME_MAX - hash.length - 1);
  return `${readable}-${hash}`;
};

/**
 * Scheduler invokes a schedule within the minute of its time (60-second precision), so a time
 * is rounded up to the next whole minute: it never fires early, and at most two minutes late.
 */
const SCHEDULER_PRECISION_MS = 60_000;

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the whole minute so that it never fires early. */
export const atExpression = (time: Date): string => {
  const ms = Math.ceil(time.getTime() / SCHEDULER_PRECISION_MS) * SCHEDULER_PRECISION_MS;
  return `at(${new Date(ms).toISOString().slice(0, 19)})`;
};

/** Timer on EventBridge Scheduler: one-time schedules that delete themselves once they fired. */
export class SchedulerTimer implements Timer {
  private readonly clock: Clock;
  private readonly minLeadMs: number;
  /**
   * The rounding up to the minute, the minute of precision, and the lead: the phases keep every
   * pair of timers that must fire in order (end of the window, then the revert deadline) this
   * far apart, and prepare refuses templates whose faults are too short for that.
   */
  readonly latenessMs: number;

  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly options: SchedulerTimerOptions,
  ) {
    for (const key of ['groupName', 'eventBusArn', 'roleArn'] as const) {
      if (!options[key]) throw new FaultlineError(`SchedulerTimer needs ${key}`);
    }
    this.clock = options.clock ?? { now: () => new Date() };
    this.minLeadMs = options.minLeadMs ?? 5_000;
    this.latenessMs = 2 * SCHEDULER_PRECISION_MS + this.minLeadMs;
  }

  async schedule(request: { name: string; at: Date; entry: BusEntry }): Promise<void> {
    const earliest = this.clock.now().getTime() + this.minLeadMs;
    const fireAt = new Date(Math.max(request.at.getTime(), earliest));
    const name = scheduleName(request.name);
    try {
      await this.scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: this.options.groupName,
          Description: `faultline ${request.entry.detailType} (${request.name})`.slice(0, 512),
          ScheduleExpression: atExpression(fireAt),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: this.options.eventBusArn,
            RoleArn: this.options.roleArn,
            // Input becomes the event's detail; resources and time of the entry have no place
            // in an EventBridge target: the event carries the schedule's ARN and firing time.
            Input: JSON.stringify(request.entry.detail),
            EventBridgeParameters: { DetailType: request.entry.detailType, Source: request.entry.source },
            ...(this.options.deadLetterArn ? { DeadLetterConfig: { Arn: this.options.deadLetterArn } } : {}),
          },
        }),
      );
    } catch (error) {
      // The schedule exists already: this timer was armed by an earlier delivery of the same event.
      if (isAwsError(error, 'ConflictException')) return;
      throw new ScheduleError(`could not create schedule ${name} (${request.name})`, { cause: error });
    }
  }

  async cancel(name: string): Promise<void> {
    const scheduled = scheduleName(name);
    try {
      await this.scheduler.send(new DeleteScheduleCommand({ Name: scheduled, GroupName: this.options.groupName }));
    } catch (error) {
      // Fired (and deleted itself) or never created: either way nothing is pending.
      if (isAwsError(error, 'ResourceNotFoundException')) return;
      throw new ScheduleError(`could not delete schedule ${scheduled} (${name})`, { cause: error });
    }
  }
}
