import {
  DescribeInstancesCommand,
  EC2Client,
  RebootInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type DescribeInstancesResult,
  type InstanceStateName,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { InstanceTerminationProvider } from '../../../shared/aws/faults/instance-termination';
import type { FaultRecord, ResolvedTarget } from '../../../shared/domain/execution';
import { InjectionError, RevertError } from '../../../shared/errors';
import type { InjectRequest } from '../../../shared/ports';

const ec2 = mockClient(EC2Client);
let sleeps = 0;

const provider = () =>
  new InstanceTerminationProvider({
    ec2: new EC2Client({}),
    poll: { attempts: 4, intervalMs: 3000, sleep: async () => void (sleeps += 1) },
  });

const target: ResolvedTarget = {
  name: 'web',
  provider: 'aws',
  resourceType: 'aws:ec2:instance',
  id: 'i-0abc1234def567890',
  key: 'aws:ec2:instance:i-0abc1234def567890',
  attributes: { 'aws:autoscaling:groupName': 'checkout-web' },
};

const request = (parameters: Record<string, unknown>): InjectRequest => ({
  executionId: 'exec-1',
  action: 'kill-one',
  faultType: 'instance-termination',
  target,
  parameters,
  expiresAt: new Date('2026-11-29T10:05:00Z'),
});

const inState = (name: InstanceStateName): DescribeInstancesResult => ({
  Reservations: [{ Instances: [{ InstanceId: target.id, State: { Name: name } }] }],
});

const fault = (action: string, handle = true): FaultRecord => ({
  executionId: 'exec-1',
  action: 'kill-one',
  faultType: 'instance-termination',
  target,
  parameters: { action },
  state: 'INJECTED',
  ...(handle ? { handle: { instanceId: target.id, action } } : {}),
  armedAt: '2026-11-29T10:00:00.000Z',
  expiresAt: '2026-11-29T10:05:00.000Z',
});

beforeEach(() => {
  ec2.reset();
  sleeps = 0;
});

describe('InstanceTerminationProvider.inject', () => {
  it('terminates the instance (the default) and checks it is shutting down', async () => {
    // Prepare
    ec2.on(TerminateInstancesCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolvesOnce(inState('running')).resolves(inState('shutting-down'));

    // Act
    const outcome = await provider().inject(request({ action: 'terminate' }));

    // Assess
    expect(ec2.commandCalls(TerminateInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: [target.id] });
    expect(ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceIds: [target.id] },
      { InstanceIds: [target.id] },
    ]);
    expect(sleeps).toBe(1);
    expect(outcome).toEqual({ handle: { instanceId: target.id, action: 'terminate' } });
  });

  it('stops the instance and checks it is stopping', async () => {
    // Prepare
    ec2.on(StopInstancesCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(inState('stopping'));

    // Act
    await provider().inject(request({ action: 'stop' }));

    // Assess
    expect(ec2.commandCalls(StopInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: [target.id] });
    expect(ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
  });

  it('reboots the instance', async () => {
    // Prepare
    ec2.on(RebootInstancesCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(inState('running'));

    // Act
    await provider().inject(request({ action: 'reboot' }));

    // Assess
    expect(ec2.commandCalls(RebootInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: [target.id] });
  });

  it('throws when the instance never leaves running after terminate', async () => {
    // Prepare
    ec2.on(TerminateInstancesCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(inState('running'));

    // Act
    const error = await provider()
      .inject(request({}))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InjectionError);
    expect((error as Error).message).toBe(
      'instance-termination: i-0abc1234def567890 is running after terminate, expected shutting-down or terminated',
    );
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(4);
  });

  it('throws an InjectionError with the cause when EC2 refuses', async () => {
    // Prepare
    const cause = Object.assign(new Error('The instance may not be terminated'), { name: 'OperationNotPermitted' });
    ec2.on(TerminateInstancesCommand).rejects(cause);

    // Act
    const error = (await provider()
      .inject(request({}))
      .catch((e: unknown) => e)) as InjectionError;

    // Assess
    expect(error).toBeInstanceOf(InjectionError);
    expect(error.cause).toBe(cause);
  });

  it('refuses a target that is not an EC2 instance', async () => {
    await expect(
      provider().inject({
        ...request({}),
        target: { ...target, resourceType: 'aws:rds:db', key: 'aws:rds:db:orders-1' },
      }),
    ).rejects.toThrow(InjectionError);
    expect(ec2).not.toHaveReceivedAnyCommand();
  });
});

describe('InstanceTerminationProvider.revert', () => {
  it('has nothing to undo for a termination (Auto Scaling replaces the instance)', async () => {
    await provider().revert(fault('terminate'));
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('has nothing to undo for a reboot', async () => {
    await provider().revert(fault('reboot'));
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('starts a stopped instance again, once it has finished stopping, and checks it starts', async () => {
    // Prepare
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce(inState('stopping'))
      .resolvesOnce(inState('stopping'))
      .resolvesOnce(inState('stopped'))
      .resolves(inState('pending'));
    ec2.on(StartInstancesCommand).resolves({});

    // Act
    await provider().revert(fault('stop'));

    // Assess
    expect(ec2.commandCalls(StartInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: [target.id] });
    const calls = ec2.calls().map((c) => c.args[0].constructor.name);
    expect(calls).toEqual([
      'DescribeInstancesCommand',
      'DescribeInstancesCommand',
      'DescribeInstancesCommand',
      'StartInstancesCommand',
      'DescribeInstancesCommand',
    ]);
  });

  it('reads the action from the parameters when there is no handle', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolvesOnce(inState('stopped')).resolves(inState('running'));
    ec2.on(StartInstancesCommand).resolves({});

    // Act
    await provider().revert(fault('stop', false));

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(StartInstancesCommand, 1);
  });

  it('does not start an instance that is running again or was terminated', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolvesOnce(inState('running')).resolvesOnce(inState('terminated'));

    // Act
    await provider().revert(fault('stop'));
    await provider().revert(fault('stop'));

    // Assess
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
  });

  it('throws a RevertError when the instance cannot be started', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves(inState('stopped'));
    ec2
      .on(StartInstancesCommand)
      .rejects(Object.assign(new Error('Insufficient capacity'), { name: 'InsufficientInstanceCapacity' }));

    // Act / Assess
    await expect(provider().revert(fault('stop'))).rejects.toThrow(RevertError);
  });
});
