import { ConditionalCheckFailedException, DynamoDBClient, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { FaultRecord } from '../../shared/domain/execution';
import { Faults } from '../../shared/store/faults';
import { Leases } from '../../shared/store/leases';
import { Table, conditionally } from '../../shared/store/table';

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });

describe('conditionally', () => {
  it('answers what the write returned when its condition held', async () => {
    expect(await conditionally(async () => ({ Attributes: { a: 1 } }))).toEqual({ Attributes: { a: 1 } });
  });

  it('turns a failed condition into null', async () => {
    expect(await conditionally(() => Promise.reject(conditionFailed()))).toBeNull();
  });

  it('knows a failed condition by its name too (an error from another copy of the SDK)', async () => {
    const error = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
    });
    expect(await conditionally(() => Promise.reject(error))).toBeNull();
  });

  it('throws any other error on', async () => {
    await expect(conditionally(() => Promise.reject(throttled()))).rejects.toBeInstanceOf(ThrottlingException);
    await expect(conditionally(() => Promise.reject(new TypeError('boom')))).rejects.toThrow('boom');
  });
});

const dynamo = mockClient(DynamoDBDocumentClient);
const table = new Table(new DynamoDBClient({ region: 'eu-west-1' }), 'faultline-test', { now: () => new Date(0) });
beforeEach(() => dynamo.reset());
afterAll(() => dynamo.restore());

describe('the repositories over a failed condition', () => {
  const fault: FaultRecord = {
    executionId: 'e-1',
    action: 'stop-web',
    faultType: 'instance-termination',
    target: { name: 'web', provider: 'aws', resourceType: 'ec2:instance', id: 'i-1', key: 'aws:ec2:i-1' },
    parameters: {},
    state: 'ARMED',
    armedAt: '2026-11-29T10:00:00.000Z',
    expiresAt: '2026-11-29T10:15:00.000Z',
  };

  it('a fault recorded already is a false answer; a throttled write is an error', async () => {
    dynamo.on(PutCommand).rejectsOnce(conditionFailed()).rejectsOnce(throttled());
    expect(await new Faults(table).recordFault(fault)).toBe(false);
    await expect(new Faults(table).recordFault(fault)).rejects.toBeInstanceOf(ThrottlingException);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'faultline-test',
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('releasing a lease held by another execution changes nothing; a throttled release is an error', async () => {
    const leases = new Leases(table, { getExecution: async () => undefined });
    dynamo.on(DeleteCommand).rejectsOnce(conditionFailed()).rejectsOnce(throttled());
    await expect(leases.releaseLease('aws:ec2:i-1', 'e-1')).resolves.toBeUndefined();
    await expect(leases.releaseLease('aws:ec2:i-1', 'e-1')).rejects.toBeInstanceOf(ThrottlingException);
  });
});

describe('Table.queryAll', () => {
  it('reads every page, each from where the last one ended', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ n: 1 }], LastEvaluatedKey: { pk: 'a', sk: '1' } })
      .resolvesOnce({ Items: [{ n: 2 }] });
    const query = { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'a' } };
    expect(await table.queryAll(query)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: 'faultline-test', ...query },
      { TableName: 'faultline-test', ...query, ExclusiveStartKey: { pk: 'a', sk: '1' } },
    ]);
  });
});
