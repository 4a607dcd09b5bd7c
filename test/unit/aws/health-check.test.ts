import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsHealthCheck } from '../../../shared/aws/health-check';
import type { ResolvedTarget } from '../../../shared/domain/execution';
import type { Template } from '../../../shared/domain/template';

const autoScaling = mockClient(AutoScalingClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);

const health = () =>
  new AwsHealthCheck({
    autoScaling: new AutoScalingClient({}),
    elbv2: new ElasticLoadBalancingV2Client({}),
    ec2: new EC2Client({}),
    rds: new RDSClient({}),
  });

const template = { id: 'checkout-instance-loss' } as Template;
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067';

const target = (id: string, group?: string): ResolvedTarget => ({
  name: 'web',
  provider: 'aws',
  resourceType: 'aws:ec2:instance',
  id,
  key: `aws:ec2:instance:${id}`,
  attributes: group ? { 'aws:autoscaling:groupName': group } : {},
});

const group = (instances: [string, string, string][], desired = 2): AutoScalingGroup =>
  ({
    AutoScalingGroupName: 'checkout-web',
    DesiredCapacity: desired,
    TargetGroupARNs: [TG],
    Instances: instances.map(([InstanceId, LifecycleState, HealthStatus]) => ({
      InstanceId,
      LifecycleState,
      HealthStatus,
    })),
  }) as AutoScalingGroup;

beforeEach(() => {
  autoScaling.reset();
  elbv2.reset();
  ec2.reset();
  rds.reset();
});

describe('AwsHealthCheck: instances in an Auto Scaling group', () => {
  it('is steady when the group is back to desired capacity and its instances are healthy in the target group', async () => {
    // Prepare: i-1 was terminated; i-3 replaced it
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        group([
          ['i-2', 'InService', 'Healthy'],
          ['i-3', 'InService', 'Healthy'],
          ['i-1', 'Terminating', 'Unhealthy'],
        ]),
      ],
    });
    elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: 'i-2', Port: 80 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: 'i-3', Port: 80 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: 'i-1', Port: 80 }, TargetHealth: { State: 'draining' } },
      ],
    });

    // Act
    const result = await health().steady(template, [target('i-1', 'checkout-web')]);

    // Assess
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)[0]!.args[0].input).toEqual({
      AutoScalingGroupNames: ['checkout-web'],
    });
    expect(elbv2.commandCalls(DescribeTargetHealthCommand)[0]!.args[0].input).toEqual({ TargetGroupArn: TG });
    expect(result.steady).toBe(true);
  });

  it('is not steady while the group is below desired capacity', async () => {
    // Prepare
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        group([
          ['i-2', 'InService', 'Healthy'],
          ['i-3', 'Pending', 'Healthy'],
        ]),
      ],
    });
    elbv2
      .on(DescribeTargetHealthCommand)
      .resolves({ TargetHealthDescriptions: [{ Target: { Id: 'i-2' }, TargetHealth: { State: 'healthy' } }] });

    // Act
    const result = await health().steady(template, [target('i-1', 'checkout-web')]);

    // Assess
    expect(result).toEqual({ steady: false, detail: 'checkout-web: 1/2 instances InService and Healthy' });
  });

  it('is not steady while a replacement is not yet healthy behind the load balancer', async () => {
    // Prepare
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        group([
          ['i-2', 'InService', 'Healthy'],
          ['i-3', 'InService', 'Healthy'],
        ]),
      ],
    });
    elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: 'i-2' }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: 'i-3' }, TargetHealth: { State: 'initial' } },
      ],
    });

    // Act
    const result = await health().steady(template, [target('i-1', 'checkout-web')]);

    // Assess
    expect(result).toEqual({ steady: false, detail: 'checkout-web: i-3 initial in targetgroup/web/73e2d6bc24d8a067' });
  });
});

describe('AwsHealthCheck: other targets', () => {
  it('wants an instance outside any group running again', async () => {
    // Prepare
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-9', State: { Name: 'stopped' } }] }] });

    // Act
    const result = await health().steady(template, [target('i-9')]);

    // Assess
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({
      Filters: [{ Name: 'instance-id', Values: ['i-9'] }],
    });
    expect(result).toEqual({ steady: false, detail: 'i-9 stopped, in no Auto Scaling group' });
  });

  it('wants an RDS cluster and every member available', async () => {
    // Prepare
    rds
      .on(DescribeDBClustersCommand)
      .resolves({ DBClusters: [{ DBClusterIdentifier: 'orders', Status: 'available' }] });
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { DBInstanceIdentifier: 'orders-1', DBInstanceStatus: 'available' },
        { DBInstanceIdentifier: 'orders-2', DBInstanceStatus: 'rebooting' },
      ],
    });
    const cluster: ResolvedTarget = {
      name: 'db',
      provider: 'aws',
      resourceType: 'aws:rds:cluster',
      id: 'orders',
      key: 'aws:rds:cluster:orders',
    };

    // Act
    const result = await health().steady(template, [cluster]);

    // Assess
    expect(rds.commandCalls(DescribeDBClustersCommand)[0]!.args[0].input).toEqual({ DBClusterIdentifier: 'orders' });
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0]!.args[0].input).toEqual({
      Filters: [{ Name: 'db-cluster-id', Values: ['orders'] }],
    });
    expect(result).toEqual({ steady: false, detail: 'cluster orders member orders-2 rebooting' });
  });

  it('wants an RDS instance available', async () => {
    // Prepare
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [{ DBInstanceIdentifier: 'orders-1', DBInstanceStatus: 'available' }] });
    const db: ResolvedTarget = {
      name: 'db',
      provider: 'aws',
      resourceType: 'aws:rds:db',
      id: 'orders-1',
      key: 'aws:rds:db:orders-1',
    };

    // Act / Assess
    await expect(health().steady(template, [db])).resolves.toMatchObject({ steady: true });
  });

  it('never declares steady what it cannot check (FIS templates only)', async () => {
    // Prepare
    const fisTemplate: ResolvedTarget = {
      name: 'az',
      provider: 'aws',
      resourceType: 'aws:fis:experiment-template',
      id: 'EXT1',
      key: 'aws:fis:experiment-template:EXT1',
    };

    // Act
    const result = await health().steady(template, [fisTemplate]);

    // Assess
    expect(result.steady).toBe(false);
  });
});
