import { EventBridgeClient, PutEventsCommand, type PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EventBridgePublisher, EventPublishError, MAX_REQUEST_BYTES } from '../../../shared/aws/event-publisher';
import type { BusEntry } from '../../../shared/ports';
import { awsFixture } from '../../support/fixtures';

const eventBridge = mockClient(EventBridgeClient);

/** EventBridge's own example of a partial failure: three entries, the second failed with InternalFailure. */
const partialFailure = awsFixture<PutEventsResponse>('eventbridge-putevents.response.partial-failure.json');

const entry = (n: number, detail: Record<string, unknown> = {}): BusEntry => ({
  source: 'faultline',
  detailType: 'FaultInjected',
  detail: { version: 1, executionId: `exec-${n}`, experimentId: 'checkout', ...detail },
});

const ok = (count: number): PutEventsResponse => ({
  FailedEntryCount: 0,
  Entries: Array.from({ length: count }, (_, i) => ({ EventId: `event-${i}` })),
});

const sleeps: number[] = [];
const publisher = (options: { maxAttempts?: number } = {}) =>
  new EventBridgePublisher(new EventBridgeClient({}), {
    eventBusName: 'faultline-dev',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });

const sentEntries = (call: number) => eventBridge.commandCalls(PutEventsCommand)[call]!.args[0].input.Entries;

beforeEach(() => {
  eventBridge.reset();
  sleeps.length = 0;
});

describe('EventBridgePublisher', () => {
  it('sends each entry with its detail as a JSON string, on the configured bus', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves(ok(1));
    const time = new Date('2026-11-29T10:00:00.000Z');

    // Act
    await publisher().publish([{ ...entry(1), resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1'], time }]);

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect(sentEntries(0)).toEqual([
      {
        EventBusName: 'faultline-dev',
        Source: 'faultline',
        DetailType: 'FaultInjected',
        Detail: '{"version":1,"executionId":"exec-1","experimentId":"checkout"}',
        Resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1'],
        Time: time,
      },
    ]);
  });

  it('sends 23 entries in calls of 10, 10 and 3, in order', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));
    const entries = Array.from({ length: 23 }, (_, i) => entry(i));

    // Act
    await publisher().publish(entries);

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const executionIds = calls.flatMap((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).executionId));
    expect(executionIds).toEqual(entries.map((e) => e.detail.executionId));
  });

  it('splits a batch before it exceeds the 256 KB request limit', async () => {
    // Prepare: three entries of ~100 KB fit two to a call
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));
    const big = (n: number) => entry(n, { padding: 'x'.repeat(100 * 1024) });

    // Act
    await publisher().publish([big(1), big(2), big(3)]);

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([2, 1]);
  });

  it('refuses an entry larger than a whole request before sending anything', async () => {
    // Act
    const publishing = publisher().publish([entry(1), entry(2, { padding: 'x'.repeat(MAX_REQUEST_BYTES) })]);

    // Assess
    await expect(publishing).rejects.toThrow(EventPublishError);
    await expect(publishing).rejects.toThrow(/EntryTooLarge/);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('re-sends only the entry that failed with InternalFailure (the documented partial-failure response)', async () => {
    // Prepare: the real response shape first, then success for the one re-sent entry
    eventBridge.on(PutEventsCommand).resolvesOnce(partialFailure).resolves(ok(1));

    // Act
    await publisher().publish([entry(1), entry(2), entry(3)]);

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(sentEntries(1)).toEqual([sentEntries(0)![1]]);
    expect(JSON.parse(sentEntries(1)![0]!.Detail!).executionId).toBe('exec-2');
    // backoff before the retry: base 100 ms, half fixed, half jitter (random 0.5)
    expect(sleeps).toEqual([75]);
  });

  it('re-sends a throttled entry with growing backoff until it is accepted', async () => {
    // Prepare: entry 2 throttled twice
    const throttled: PutEventsResponse = {
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    };
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      })
      .resolvesOnce(throttled)
      .resolves(ok(1));

    // Act
    await publisher().publish([entry(1), entry(2)]);

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([2, 1, 1]);
    expect(sentEntries(2)).toEqual([sentEntries(0)![1]]);
    expect(sleeps).toEqual([75, 150]);
  });

  it('throws, naming the entry, when a retryable failure persists past the attempts', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Service Failure' }],
    });

    // Act
    const error = await publisher({ maxAttempts: 3 })
      .publish([entry(1)])
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(EventPublishError);
    expect((error as EventPublishError).failed).toEqual([
      {
        source: 'faultline',
        detailType: 'FaultInjected',
        errorCode: 'InternalFailure',
        errorMessage: 'Internal Service Failure',
      },
    ]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it('fails at once on a non-retryable code and sends no later batch', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolvesOnce({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'a' }, { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });
    const entries = Array.from({ length: 12 }, (_, i) => entry(i));

    // Act
    const error = await publisher()
      .publish(entries)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(EventPublishError);
    expect((error as Error).message).toContain('MalformedDetail');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('wraps a failed call in EventPublishError keeping its cause', async () => {
    // Prepare
    const cause = Object.assign(new Error('Access denied'), { name: 'AccessDeniedException' });
    eventBridge.on(PutEventsCommand).rejects(cause);

    // Act
    const error = (await publisher()
      .publish([entry(1)])
      .catch((e: unknown) => e)) as EventPublishError;

    // Assess
    expect(error).toBeInstanceOf(EventPublishError);
    expect(error.cause).toBe(cause);
    expect(error.failed[0]?.errorCode).toBe('RequestFailed');
  });

  it('counts an entry with an ErrorCode as failed even when FailedEntryCount is missing', async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }] })
      .resolves(ok(1));

    // Act
    await publisher().publish([entry(1), entry(2)]);

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([2, 1]);
  });

  it('sends nothing for no entries', async () => {
    // Act
    await publisher().publish([]);

    // Assess
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});
