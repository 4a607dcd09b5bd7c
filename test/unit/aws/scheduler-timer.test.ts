import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { atExpression, ScheduleError, SchedulerTimer, scheduleName } from '../../../shared/aws/scheduler-timer';
import type { BusEntry } from '../../../shared/ports';

const scheduler = mockClient(SchedulerClient);

const NOW = new Date('2026-11-29T10:00:00.000Z');
const BUS_ARN = 'arn:aws:events:us-east-1:123456789012:event-bus/faultline-dev';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/faultline-dev-scheduler';

const timer = (options: { deadLetterArn?: string } = {}) =>
  new SchedulerTimer(new SchedulerClient({}), {
    groupName: 'faultline-dev',
    eventBusArn: BUS_ARN,
    roleArn: ROLE_ARN,
    clock: { now: () => NOW },
    ...options,
  });

const revertDue: BusEntry = {
  source: 'faultline',
  detailType: 'SafetyViolated',
  detail: { version: 1, executionId: 'exec-1', experimentId: 'checkout', reason: 'deadline' },
};

beforeEach(() => scheduler.reset());

describe('SchedulerTimer.schedule', () => {
  it('creates a one-time UTC schedule that puts the entry on the bus and deletes itself', async () => {
    // Prepare
    scheduler
      .on(CreateScheduleCommand)
      .resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/faultline-dev/x' });

    // Act
    await timer().schedule({ name: 'revert-exec-1', at: new Date('2026-11-29T10:05:20.000Z'), entry: revertDue });

    // Assess
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(1);
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toEqual({
      Name: 'revert-exec-1',
      GroupName: 'faultline-dev',
      Description: 'faultline SafetyViolated (revert-exec-1)',
      ScheduleExpression: 'at(2026-11-29T10:06:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: BUS_ARN,
        RoleArn: ROLE_ARN,
        Input: '{"version":1,"executionId":"exec-1","experimentId":"checkout","reason":"deadline"}',
        EventBridgeParameters: { DetailType: 'SafetyViolated', Source: 'faultline' },
      },
    });
  });

  it('names the dead-letter queue when one is configured', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).resolves({});
    const dlq = 'arn:aws:sqs:us-east-1:123456789012:faultline-dev-scheduler-dlq';

    // Act
    await timer({ deadLetterArn: dlq }).schedule({ name: 'x', at: new Date('2026-11-29T11:00:00Z'), entry: revertDue });

    // Assess
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Target: expect.objectContaining({ DeadLetterConfig: { Arn: dlq } }),
    });
  });

  it('moves a time that has passed to the near future, so that an overdue deadline still fires', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).resolves({});

    // Act
    await timer().schedule({ name: 'late', at: new Date('2026-11-29T09:00:00Z'), entry: revertDue });

    // Assess: now + 5 s, rounded up to the minute
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      ScheduleExpression: 'at(2026-11-29T10:01:00)',
    });
  });

  it('says how late its schedules may fire: the rounding to the minute, the minute of precision and the lead', () => {
    expect(timer().latenessMs).toBe(125_000);
  });

  it('treats an existing schedule of the same name as already scheduled', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: 'Schedule already exists',
        Message: 'Schedule already exists',
        $metadata: {},
      }),
    );

    // Act / Assess
    await expect(
      timer().schedule({ name: 'revert-exec-1', at: new Date('2026-11-29T11:00:00Z'), entry: revertDue }),
    ).resolves.toBeUndefined();
  });

  it('throws a ScheduleError with the cause for any other refusal', async () => {
    // Prepare
    const cause = new ValidationException({
      message: 'Invalid Schedule Expression',
      Message: 'Invalid Schedule Expression',
      $metadata: {},
    });
    scheduler.on(CreateScheduleCommand).rejects(cause);

    // Act
    const error = await timer()
      .schedule({ name: 'revert-exec-1', at: new Date('2026-11-29T11:00:00Z'), entry: revertDue })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ScheduleError);
    expect((error as ScheduleError).cause).toBe(cause);
  });

  it('schedules long or unusual names under a safe, distinct name', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).resolves({});
    const long = `recovery-check#0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01#${'x'.repeat(60)}`;

    // Act
    await timer().schedule({ name: long, at: new Date('2026-11-29T11:00:00Z'), entry: revertDue });

    // Assess
    const sent = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Name!;
    expect(sent).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
    expect(sent).toBe(scheduleName(long));
  });
});

describe('SchedulerTimer.cancel', () => {
  it('deletes the schedule from its group', async () => {
    // Prepare
    scheduler.on(DeleteScheduleCommand).resolves({});

    // Act
    await timer().cancel('revert-exec-1');

    // Assess
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]!.args[0].input).toEqual({
      Name: 'revert-exec-1',
      GroupName: 'faultline-dev',
    });
  });

  it('is fine with a schedule that already fired or never existed', async () => {
    // Prepare
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'Schedule not found', Message: 'Schedule not found', $metadata: {} }),
      );

    // Act / Assess
    await expect(timer().cancel('revert-exec-1')).resolves.toBeUndefined();
  });

  it('throws a ScheduleError when the delete is refused', async () => {
    // Prepare
    scheduler.on(DeleteScheduleCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    // Act / Assess
    await expect(timer().cancel('revert-exec-1')).rejects.toThrow(ScheduleError);
  });
});

describe('schedule names and expressions', () => {
  it('keeps a valid name as it is', () => {
    expect(scheduleName('revert-exec-1.kill_one')).toBe('revert-exec-1.kill_one');
  });

  it('gives two names that differ only in refused characters two different schedule names', () => {
    expect(scheduleName('a:b')).not.toBe(scheduleName('a/b'));
    expect(scheduleName('a:b')).toMatch(/^a-b-[0-9a-f]{16}$/);
  });

  it('writes at() in UTC, rounded up to the whole minute (Scheduler fires within the minute of its time, never before)', () => {
    expect(atExpression(new Date('2026-11-29T10:05:00.000Z'))).toBe('at(2026-11-29T10:05:00)');
    expect(atExpression(new Date('2026-11-29T10:05:00.001Z'))).toBe('at(2026-11-29T10:06:00)');
    expect(atExpression(new Date('2026-11-29T10:05:59.999Z'))).toBe('at(2026-11-29T10:06:00)');
  });
});
