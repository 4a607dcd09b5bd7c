import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  InvalidInstanceId,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  SSMClient,
  type CommandInvocation,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  HostFaultProvider,
  HostInjectionError,
  HostRevertError,
  invocationState,
} from '../../../shared/aws/faults/host-faults';
import type { FaultRecord, ResolvedTarget } from '../../../shared/domain/execution';
import { InjectionError, RevertError } from '../../../shared/errors';
import type { InjectRequest } from '../../../shared/ports';

const ssm = mockClient(SSMClient);
const ec2 = mockClient(EC2Client);

const NOW = new Date('2026-11-29T10:00:00.000Z');
const EXPIRES = new Date('2026-11-29T10:05:00.000Z');
let sleeps = 0;

const provider = (attempts = 5) =>
  new HostFaultProvider({
    ssm: new SSMClient({}),
    ec2: new EC2Client({}),
    documentPrefix: 'faultline-dev-',
    clock: { now: () => NOW },
    poll: { attempts, intervalMs: 2000, sleep: async () => void (sleeps += 1) },
  });

const target = (id: string): ResolvedTarget => ({
  name: 'web',
  provider: 'aws',
  resourceType: 'aws:ec2:instance',
  id,
  key: `aws:ec2:instance:${id}`,
});

const request = (
  faultType: InjectRequest['faultType'],
  parameters: Record<string, unknown>,
  id = 'i-1',
): InjectRequest => ({
  executionId: 'exec-1',
  action: 'stress',
  faultType,
  target: target(id),
  parameters,
  expiresAt: EXPIRES,
});

const invocation = (
  InstanceId: string,
  Status: CommandInvocation['Status'],
  StatusDetails?: string,
  Output?: string,
): CommandInvocation => ({
  InstanceId,
  Status,
  StatusDetails: StatusDetails ?? Status,
  ...(Output ? { CommandPlugins: [{ Name: 'cpuStress', Output }] } : {}),
});

const sent = (i: number) => ssm.commandCalls(SendCommandCommand)[i]!.args[0].input;

beforeEach(() => {
  ssm.reset();
  ec2.reset();
  sleeps = 0;
});

describe('HostFaultProvider.inject', () => {
  it('sends the fault document and resolves once the invocation succeeded', async () => {
    // Prepare: not listed yet, then in progress, then done
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-inject' } });
    ssm
      .on(ListCommandInvocationsCommand)
      .resolvesOnce({ CommandInvocations: [] })
      .resolvesOnce({ CommandInvocations: [invocation('i-1', 'InProgress', 'In Progress')] })
      .resolves({ CommandInvocations: [invocation('i-1', 'Success')] });

    // Act
    const outcome = await provider().inject(request('cpu-stress', { loadPercent: 80, workers: 2 }));

    // Assess
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(sent(0)).toEqual({
      DocumentName: 'faultline-dev-cpu-stress',
      InstanceIds: ['i-1'],
      Parameters: { Action: ['inject'], DurationSeconds: ['300'], LoadPercent: ['80'], Workers: ['2'] },
      Comment: 'faultline exec-1 stress',
      TimeoutSeconds: 60,
    });
    expect(ssm.commandCalls(ListCommandInvocationsCommand).map((c) => c.args[0].input)).toEqual(
      Array(3).fill({ CommandId: 'cmd-inject', Details: true }),
    );
    expect(sleeps).toBe(2);
    expect(ssm).not.toHaveReceivedCommand(CancelCommandCommand);
    expect(outcome).toEqual({
      handle: { commandId: 'cmd-inject', documentName: 'faultline-dev-cpu-stress', instanceId: 'i-1' },
    });
  });

  it.each([
    [
      'network-latency',
      { delayMs: 300, jitterMs: 50, interface: 'ens5' },
      { DelayMs: ['300'], JitterMs: ['50'], Interface: ['ens5'] },
    ],
    [
      'network-partition',
      { direction: 'dependency', cidrs: ['10.0.2.0/24', '10.0.3.15'] },
      { Direction: ['dependency'], Cidrs: ['10.0.2.0/24,10.0.3.15'] },
    ],
    ['network-partition', { direction: 'ingress', cidrs: [] }, { Direction: ['ingress'], Cidrs: ['any'] }],
    ['memory-stress', { megabytes: 512 }, { Megabytes: ['512'] }],
    ['disk-stress', { megabytes: 1024 }, { Megabytes: ['1024'], Path: ['/var/tmp'] }],
    [
      'service-unavailable',
      { statusCode: 503, percent: 100, service: 'checkout.service' },
      { Service: ['checkout.service'] },
    ],
    [
      'dependency-timeout',
      { endpoint: 'orders.cluster-abc.us-east-1.rds.amazonaws.com:5432' },
      { Endpoint: ['orders.cluster-abc.us-east-1.rds.amazonaws.com:5432'] },
    ],
  ] as const)('sends %s with its own document and parameters', async (faultType, parameters, expected) => {
    // Prepare
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-inject' } });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation('i-1', 'Success')] });

    // Act
    await provider().inject(request(faultType, parameters));

    // Assess
    expect(sent(0).DocumentName).toBe(`faultline-dev-${faultType}`);
    expect(sent(0).Parameters).toEqual({ Action: ['inject'], DurationSeconds: ['300'], ...expected });
  });

  it('does not count a fault that failed on one of two instances: cancels, cleans up both, and names the failure', async () => {
    // Prepare
    ssm
      .on(SendCommandCommand)
      .resolvesOnce({ Command: { CommandId: 'cmd-inject' } })
      .resolvesOnce({ Command: { CommandId: 'cmd-cleanup' } });
    ssm
      .on(ListCommandInvocationsCommand, { CommandId: 'cmd-inject' })
      .resolvesOnce({
        CommandInvocations: [
          invocation('i-1', 'InProgress', 'In Progress'),
          invocation('i-2', 'InProgress', 'In Progress'),
        ],
      })
      .resolves({
        CommandInvocations: [
          invocation('i-1', 'Success'),
          invocation(
            'i-2',
            'Failed',
            'Failed',
            'faultline network-latency: tc not found (Amazon Linux 2023: dnf install iproute-tc)',
          ),
        ],
      });
    ssm.on(ListCommandInvocationsCommand, { CommandId: 'cmd-cleanup' }).resolves({
      CommandInvocations: [invocation('i-1', 'Success'), invocation('i-2', 'Success')],
    });
    ssm.on(CancelCommandCommand).resolves({});

    // Act
    const error = await provider()
      .injectOnHosts({
        faultType: 'network-latency',
        instanceIds: ['i-1', 'i-2'],
        parameters: { delayMs: 200, jitterMs: 0, interface: 'eth0' },
        expiresAt: EXPIRES,
        executionId: 'exec-1',
        action: 'slow-network',
      })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InjectionError);
    expect(error).toBeInstanceOf(HostInjectionError);
    expect((error as HostInjectionError).failures).toEqual([
      {
        instanceId: 'i-2',
        status: 'Failed',
        output: 'faultline network-latency: tc not found (Amazon Linux 2023: dnf install iproute-tc)',
      },
    ]);
    expect((error as Error).message).toMatch(
      /^network-latency did not take effect on i-2 Failed \(faultline network-latency: tc not found/,
    );
    expect((error as Error).message).toMatch(/cleanup done on i-1, i-2$/);
    expect(ssm.commandCalls(CancelCommandCommand)[0]!.args[0].input).toEqual({
      CommandId: 'cmd-inject',
      InstanceIds: ['i-1', 'i-2'],
    });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(2);
    expect(sent(1)).toEqual({
      DocumentName: 'faultline-dev-network-latency',
      InstanceIds: ['i-1', 'i-2'],
      Parameters: {
        Action: ['cleanup'],
        DurationSeconds: ['300'],
        DelayMs: ['200'],
        JitterMs: ['0'],
        Interface: ['eth0'],
      },
      Comment: 'faultline exec-1 slow-network abandon',
      TimeoutSeconds: 60,
    });
    // Cancel comes before the cleanup is sent.
    const order = ssm.calls().map((c) => c.args[0].constructor.name);
    expect(order.indexOf('CancelCommandCommand')).toBeLessThan(order.lastIndexOf('SendCommandCommand'));
  });

  it.each([
    ['Failed', 'Undeliverable'],
    ['TimedOut', 'Delivery Timed Out'],
    ['Cancelled', 'Cancelled'],
    ['Failed', 'Invalid Platform'],
  ] as const)('does not count an invocation that ended %s (%s)', async (status, details) => {
    // Prepare
    ssm
      .on(SendCommandCommand)
      .resolvesOnce({ Command: { CommandId: 'cmd-inject' } })
      .resolvesOnce({ Command: { CommandId: 'cmd-cleanup' } });
    ssm
      .on(ListCommandInvocationsCommand, { CommandId: 'cmd-inject' })
      .resolves({ CommandInvocations: [invocation('i-1', status, details)] });
    ssm
      .on(ListCommandInvocationsCommand, { CommandId: 'cmd-cleanup' })
      .resolves({ CommandInvocations: [invocation('i-1', 'Success')] });

    // Act
    const error = await provider()
      .inject(request('cpu-stress', {}))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(HostInjectionError);
    expect((error as Error).message).toContain(`i-1 ${status}${details !== status ? ` (${details})` : ''}`);
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, {
      Parameters: expect.objectContaining({ Action: ['cleanup'] }),
    });
  });

  it('does not count an invocation still running after the last check, and says the cleanup failed when it did', async () => {
    // Prepare
    ssm
      .on(SendCommandCommand)
      .resolvesOnce({ Command: { CommandId: 'cmd-inject' } })
      .resolvesOnce({ Command: { CommandId: 'cmd-cleanup' } });
    ssm
      .on(ListCommandInvocationsCommand, { CommandId: 'cmd-inject' })
      .resolves({ CommandInvocations: [invocation('i-1', 'InProgress', 'In Progress')] });
    ssm.on(ListCommandInvocationsCommand, { CommandId: 'cmd-cleanup' }).resolves({
      CommandInvocations: [invocation('i-1', 'Failed', 'Failed', 'chain FAULTLINE-PARTITION is still there')],
    });

    // Act
    const error = (await provider(3)
      .inject(request('network-partition', { direction: 'ingress', cidrs: [] }))
      .catch((e: unknown) => e)) as HostInjectionError;

    // Assess
    expect(error).toBeInstanceOf(HostInjectionError);
    expect(error.failures).toEqual([{ instanceId: 'i-1', status: 'InProgress (In Progress) after 3 checks' }]);
    expect(error.cleanupFailures).toEqual([
      { instanceId: 'i-1', status: 'Failed', output: 'chain FAULTLINE-PARTITION is still there' },
    ]);
    expect(error.message).toMatch(/cleanup FAILED on i-1 Failed/);
    expect(ssm.commandCalls(ListCommandInvocationsCommand, { CommandId: 'cmd-inject' })).toHaveLength(3);
  });

  it('undoes a command whose outcome cannot be read, and keeps the cause', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized to perform ssm:ListCommandInvocations'), {
      name: 'AccessDeniedException',
    });
    ssm
      .on(SendCommandCommand)
      .resolvesOnce({ Command: { CommandId: 'cmd-inject' } })
      .resolvesOnce({ Command: { CommandId: 'cmd-cleanup' } });
    ssm.on(ListCommandInvocationsCommand).rejects(denied);

    // Act
    const error = (await provider()
      .inject(request('cpu-stress', {}))
      .catch((e: unknown) => e)) as HostInjectionError;

    // Assess
    expect(error).toBeInstanceOf(HostInjectionError);
    expect(error.cause).toBe(denied);
    expect(ssm).toHaveReceivedCommandWith(CancelCommandCommand, { CommandId: 'cmd-inject' });
    expect(sent(1).Parameters?.Action).toEqual(['cleanup']);
    expect(error.cleanupFailures.map((f) => f.status)).toEqual([expect.stringMatching(/^cleanup outcome unknown/)]);
  });

  it('sends nothing when SendCommand is refused, and says nothing needs cleaning', async () => {
    // Prepare
    ssm
      .on(SendCommandCommand)
      .rejects(new InvalidInstanceId({ message: 'Instances [[i-1]] not in a valid state', $metadata: {} }));

    // Act
    const error = await provider()
      .inject(request('cpu-stress', {}))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InjectionError);
    expect((error as Error).cause).toBeInstanceOf(InvalidInstanceId);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(ssm).not.toHaveReceivedCommand(CancelCommandCommand);
  });

  it.each([
    ['a service-unavailable without a service', 'service-unavailable', {}, /needs the "service" parameter/],
    ['a dependency-timeout without an endpoint', 'dependency-timeout', {}, /needs the "endpoint" parameter/],
    ['a partition of every destination', 'network-partition', { direction: 'dependency', cidrs: [] }, /needs cidrs/],
    ['a CIDR that is not one', 'network-partition', { cidrs: ['10.0.0.0/8; reboot'] }, /not IPv4 CIDR blocks/],
    ['the SSM agent', 'service-unavailable', { service: 'amazon-ssm-agent' }, /cannot stop the SSM agent/],
    ['an unknown parameter', 'cpu-stress', { load: 50 }, /unknown key "load"/],
  ] as const)('refuses %s before sending anything', async (_, faultType, parameters, message) => {
    // Act
    const error = await provider()
      .inject(request(faultType, parameters))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InjectionError);
    expect((error as Error).message).toMatch(message);
    expect(ssm).not.toHaveReceivedCommand(SendCommandCommand);
  });

  it('refuses a fault whose expiry has passed, and a target that is not an instance', async () => {
    await expect(
      provider().inject({ ...request('cpu-stress', {}), expiresAt: new Date('2026-11-29T09:59:59Z') }),
    ).rejects.toThrow(/expiry .* has passed/);
    await expect(
      provider().inject({
        ...request('cpu-stress', {}),
        target: { ...target('orders'), resourceType: 'aws:rds:cluster', key: 'aws:rds:cluster:orders' },
      }),
    ).rejects.toThrow(/cannot act on aws:rds:cluster:orders/);
    expect(ssm).not.toHaveReceivedCommand(SendCommandCommand);
  });
});

describe('HostFaultProvider.revert', () => {
  const fault = (handle?: Record<string, string>): FaultRecord => ({
    executionId: 'exec-1',
    action: 'stress',
    faultType: 'cpu-stress',
    target: target('i-1'),
    parameters: { loadPercent: 90, workers: 1 },
    state: 'INJECTED',
    ...(handle ? { handle } : {}),
    armedAt: '2026-11-29T10:00:00.000Z',
    expiresAt: EXPIRES.toISOString(),
  });

  it('cancels the command and runs the cleanup, verified', async () => {
    // Prepare
    ssm.on(CancelCommandCommand).resolves({});
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-cleanup' } });
    ssm
      .on(ListCommandInvocationsCommand)
      .resolvesOnce({ CommandInvocations: [invocation('i-1', 'InProgress', 'In Progress')] })
      .resolves({ CommandInvocations: [invocation('i-1', 'Success')] });

    // Act
    await provider().revert(
      fault({ commandId: 'cmd-inject', documentName: 'faultline-dev-cpu-stress', instanceId: 'i-1' }),
    );

    // Assess
    expect(ssm.commandCalls(CancelCommandCommand)[0]!.args[0].input).toEqual({
      CommandId: 'cmd-inject',
      InstanceIds: ['i-1'],
    });
    expect(sent(0)).toEqual({
      DocumentName: 'faultline-dev-cpu-stress',
      InstanceIds: ['i-1'],
      Parameters: { Action: ['cleanup'], DurationSeconds: ['1'], LoadPercent: ['90'], Workers: ['1'] },
      Comment: 'faultline exec-1 stress revert',
      TimeoutSeconds: 60,
    });
    expect(ssm.commandCalls(ListCommandInvocationsCommand)).toHaveLength(2);
  });

  it('still cleans up when there is no command to cancel (an inject that died half-way)', async () => {
    // Prepare
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-cleanup' } });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation('i-1', 'Success')] });

    // Act
    await provider().revert(fault());

    // Assess
    expect(ssm).not.toHaveReceivedCommand(CancelCommandCommand);
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, {
      DocumentName: 'faultline-dev-cpu-stress',
      InstanceIds: ['i-1'],
    });
  });

  it('throws a RevertError naming the instance and status when the cleanup fails', async () => {
    // Prepare
    ssm.on(CancelCommandCommand).rejects(new Error('InvalidCommandId'));
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-cleanup' } });
    ssm.on(ListCommandInvocationsCommand).resolves({
      CommandInvocations: [invocation('i-1', 'Failed', 'Failed', 'faultline-cpu-stress is still active')],
    });

    // Act
    const error = await provider()
      .revert(fault({ commandId: 'cmd-inject' }))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RevertError);
    expect(error).toBeInstanceOf(HostRevertError);
    expect((error as Error).message).toBe(
      'cpu-stress cleanup failed on i-1 Failed (faultline-cpu-stress is still active)',
    );
  });

  it('succeeds when SSM cannot reach an instance that was terminated (the fault went with it)', async () => {
    // Prepare
    ssm
      .on(SendCommandCommand)
      .rejects(new InvalidInstanceId({ message: 'Instances not in a valid state', $metadata: {} }));
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: 'terminated' } }] }] });

    // Act
    await provider().revert(fault());

    // Assess
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({
      Filters: [{ Name: 'instance-id', Values: ['i-1'] }],
    });
  });

  it('succeeds when EC2 no longer lists the instance at all', async () => {
    // Prepare
    ssm
      .on(SendCommandCommand)
      .rejects(new InvalidInstanceId({ message: 'Instances not in a valid state', $metadata: {} }));
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });

    // Act / Assess
    await expect(provider().revert(fault())).resolves.toBeUndefined();
  });

  it('throws a RevertError when SSM cannot reach an instance that still runs', async () => {
    // Prepare
    ssm
      .on(SendCommandCommand)
      .rejects(new InvalidInstanceId({ message: 'Instances not in a valid state', $metadata: {} }));
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: 'running' } }] }] });

    // Act / Assess
    await expect(provider().revert(fault())).rejects.toThrow(/cleanup failed on i-1 not reachable by SSM/);
  });

  it('has nothing to undo for parameters that could never have been sent', async () => {
    // Act
    await provider().revert({ ...fault(), faultType: 'service-unavailable', parameters: {} });

    // Assess
    expect(ssm).not.toHaveReceivedAnyCommand();
  });
});

describe('invocationState', () => {
  it.each([
    ['Success', 'Success', 'success'],
    ['InProgress', 'In Progress', 'running'],
    ['Pending', 'Pending', 'running'],
    ['Delayed', 'Delayed', 'running'],
    [undefined, undefined, 'running'],
    ['Failed', 'Failed', 'failed'],
    ['TimedOut', 'Execution Timed Out', 'failed'],
    ['Cancelling', 'Cancelling', 'failed'],
    ['InProgress', 'Undeliverable', 'failed'],
  ] as const)('%s (%s) is %s', (status, details, expected) => {
    expect(invocationState(status, details)).toBe(expected);
  });
});
