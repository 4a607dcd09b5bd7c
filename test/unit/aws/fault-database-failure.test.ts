import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  FailoverDBClusterCommand,
  InvalidDBClusterStateFault,
  RDSClient,
  RebootDBInstanceCommand,
  type DescribeDBClustersCommandOutput,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DatabaseFailureProvider } from '../../../shared/aws/faults/database-failure';
import type { FaultRecord, ResolvedTarget } from '../../../shared/domain/execution';
import { InjectionError } from '../../../shared/errors';
import type { InjectRequest } from '../../../shared/ports';

const rds = mockClient(RDSClient);

const provider = () =>
  new DatabaseFailureProvider({
    rds: new RDSClient({}),
    poll: { attempts: 3, intervalMs: 3000, sleep: async () => undefined },
  });

const cluster: ResolvedTarget = {
  name: 'db',
  provider: 'aws',
  resourceType: 'aws:rds:cluster',
  id: 'orders',
  key: 'aws:rds:cluster:orders',
};
const db: ResolvedTarget = {
  name: 'db',
  provider: 'aws',
  resourceType: 'aws:rds:db',
  id: 'orders-1',
  key: 'aws:rds:db:orders-1',
};

const request = (target: ResolvedTarget, parameters: Record<string, unknown> = {}): InjectRequest => ({
  executionId: 'exec-1',
  action: 'db-down',
  faultType: 'database-failure',
  target,
  parameters,
  expiresAt: new Date('2026-11-29T10:05:00Z'),
});

const clusterState = (Status: string, writer: string): Partial<DescribeDBClustersCommandOutput> => ({
  DBClusters: [
    {
      DBClusterIdentifier: 'orders',
      Status,
      DBClusterMembers: [
        { DBInstanceIdentifier: 'orders-1', IsClusterWriter: writer === 'orders-1' },
        { DBInstanceIdentifier: 'orders-2', IsClusterWriter: writer === 'orders-2' },
      ],
    },
  ],
});

beforeEach(() => rds.reset());

describe('DatabaseFailureProvider', () => {
  it('fails over an Aurora cluster and checks it is failing over', async () => {
    // Prepare
    rds.on(FailoverDBClusterCommand).resolves({});
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce(clusterState('available', 'orders-1'))
      .resolvesOnce(clusterState('available', 'orders-1'))
      .resolves(clusterState('failing-over', 'orders-1'));

    // Act
    const outcome = await provider().inject(request(cluster, { mode: 'failover' }));

    // Assess
    expect(rds.commandCalls(FailoverDBClusterCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: 'orders' });
    expect(rds.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input)).toEqual(
      Array(3).fill({ DBClusterIdentifier: 'orders' }),
    );
    expect(outcome).toEqual({
      handle: { operation: 'FailoverDBCluster', dbClusterIdentifier: 'orders', writerBefore: 'orders-1' },
    });
  });

  it('counts a failover that is already over by its new writer', async () => {
    // Prepare
    rds.on(FailoverDBClusterCommand).resolves({});
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce(clusterState('available', 'orders-1'))
      .resolves(clusterState('available', 'orders-2'));

    // Act / Assess
    await expect(provider().inject(request(cluster))).resolves.toMatchObject({
      handle: { operation: 'FailoverDBCluster' },
    });
  });

  it('throws when the cluster never shows the failover', async () => {
    // Prepare
    rds.on(FailoverDBClusterCommand).resolves({});
    rds.on(DescribeDBClustersCommand).resolves(clusterState('available', 'orders-1'));

    // Act / Assess
    await expect(provider().inject(request(cluster))).rejects.toThrow(
      'database-failure: cluster orders is available after FailoverDBCluster, expected failing-over',
    );
  });

  it('throws an InjectionError with the cause when RDS refuses the failover', async () => {
    // Prepare
    const cause = new InvalidDBClusterStateFault({
      message: 'DbCluster orders is not in a valid state',
      $metadata: {},
    });
    rds.on(DescribeDBClustersCommand).resolves(clusterState('available', 'orders-1'));
    rds.on(FailoverDBClusterCommand).rejects(cause);

    // Act
    const error = (await provider()
      .inject(request(cluster))
      .catch((e: unknown) => e)) as InjectionError;

    // Assess
    expect(error).toBeInstanceOf(InjectionError);
    expect(error.cause).toBe(cause);
  });

  it('reboots a DB instance through a Multi-AZ failover', async () => {
    // Prepare
    rds
      .on(RebootDBInstanceCommand)
      .resolves({ DBInstance: { DBInstanceIdentifier: 'orders-1', DBInstanceStatus: 'rebooting' } });

    // Act
    const outcome = await provider().inject(request(db));

    // Assess
    expect(rds.commandCalls(RebootDBInstanceCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: 'orders-1',
      ForceFailover: true,
    });
    expect(rds).not.toHaveReceivedCommand(DescribeDBInstancesCommand);
    expect(outcome).toEqual({
      handle: { operation: 'RebootDBInstance', dbInstanceIdentifier: 'orders-1', forceFailover: 'true' },
    });
  });

  it('reboots without failover in reboot mode, and checks the status when the answer did not show it', async () => {
    // Prepare
    rds
      .on(RebootDBInstanceCommand)
      .resolves({ DBInstance: { DBInstanceIdentifier: 'orders-1', DBInstanceStatus: 'available' } });
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [{ DBInstanceIdentifier: 'orders-1', DBInstanceStatus: 'rebooting' }] });

    // Act
    await provider().inject(request(db, { mode: 'reboot' }));

    // Assess
    expect(rds.commandCalls(RebootDBInstanceCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: 'orders-1',
      ForceFailover: false,
    });
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: 'orders-1',
    });
  });

  it('reboots the writer of a cluster in reboot mode', async () => {
    // Prepare
    rds.on(DescribeDBClustersCommand).resolves(clusterState('available', 'orders-2'));
    rds.on(RebootDBInstanceCommand).resolves({ DBInstance: { DBInstanceStatus: 'rebooting' } });

    // Act
    await provider().inject(request(cluster, { mode: 'reboot' }));

    // Assess
    expect(rds.commandCalls(RebootDBInstanceCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: 'orders-2',
      ForceFailover: false,
    });
    expect(rds).not.toHaveReceivedCommand(FailoverDBClusterCommand);
  });

  it('has nothing to undo on revert (RDS recovers; the health check verifies it)', async () => {
    // Act
    await provider().revert({
      executionId: 'exec-1',
      action: 'db-down',
      faultType: 'database-failure',
      target: cluster,
      parameters: {},
      state: 'INJECTED',
      armedAt: '',
      expiresAt: '',
    } as FaultRecord);

    // Assess
    expect(rds).not.toHaveReceivedAnyCommand();
  });
});
