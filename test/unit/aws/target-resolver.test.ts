import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import {
  FisClient,
  GetExperimentTemplateCommand,
  ListExperimentTemplatesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-fis';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsTargetResolver, TargetResolutionError } from '../../../shared/aws/target-resolver';
import type { TargetSpec } from '../../../shared/domain/template';
import { mockFis } from '../../support/fis-stub';

const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
const fis = mockFis();

const resolver = () =>
  new AwsTargetResolver({
    ec2: new EC2Client({}),
    rds: new RDSClient({}),
    fis: new FisClient({}),
    requiredTag: { key: 'faultline:target', value: 'true' },
  });

const optIn = { Key: 'faultline:target', Value: 'true' };
const instance = (id: string, extra: Partial<Instance> = {}): Instance => ({
  InstanceId: id,
  State: { Name: 'running' },
  Placement: { AvailabilityZone: 'us-east-1a' },
  PrivateIpAddress: '10.0.1.10',
  Tags: [optIn, { Key: 'app', Value: 'checkout' }, { Key: 'env', Value: 'staging' }],
  ...extra,
});

const spec = (s: Partial<TargetSpec>): TargetSpec =>
  ({ provider: 'aws', resourceType: 'aws:ec2:instance', selectionMode: 'ALL', ...s }) as TargetSpec;

beforeEach(() => {
  ec2.reset();
  rds.reset();
  fis.reset();
});

describe('AwsTargetResolver: EC2 instances', () => {
  it('filters by tags, the opt-in tag and running state, and reads every page', async () => {
    // Prepare
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-1'), instance('i-2')] }], NextToken: 'page-2' })
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              instance('i-3', {
                Tags: [
                  optIn,
                  { Key: 'app', Value: 'checkout' },
                  { Key: 'env', Value: 'staging' },
                  { Key: 'aws:autoscaling:groupName', Value: 'checkout-web' },
                ],
              }),
            ],
          },
        ],
      });

    // Act
    const targets = await resolver().candidates('web', spec({ resourceTags: { app: 'checkout', env: 'staging' } }));

    // Assess
    const calls = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    const filters = [
      { Name: 'tag:app', Values: ['checkout'] },
      { Name: 'tag:env', Values: ['staging'] },
      { Name: 'tag:faultline:target', Values: ['true'] },
      { Name: 'instance-state-name', Values: ['running'] },
    ];
    expect(calls).toEqual([
      { Filters: filters, MaxResults: 1000 },
      { Filters: filters, MaxResults: 1000, NextToken: 'page-2' },
    ]);
    expect(targets.map((t) => t.key)).toEqual(['aws:ec2:instance:i-1', 'aws:ec2:instance:i-2', 'aws:ec2:instance:i-3']);
    expect(targets[2]).toEqual({
      name: 'web',
      provider: 'aws',
      resourceType: 'aws:ec2:instance',
      id: 'i-3',
      key: 'aws:ec2:instance:i-3',
      attributes: {
        state: 'running',
        availabilityZone: 'us-east-1a',
        privateIpAddress: '10.0.1.10',
        'aws:autoscaling:groupName': 'checkout-web',
      },
    });
    expect(targets[0]!.attributes).not.toHaveProperty('aws:autoscaling:groupName');
  });

  it('maps ids and template filters to DescribeInstances filters, and applies the others itself', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            instance('i-1', {
              State: { Name: 'stopped' },
              Placement: { AvailabilityZone: 'us-east-1b' },
              Monitoring: { State: 'enabled' },
            }),
            instance('i-2', {
              State: { Name: 'stopped' },
              Placement: { AvailabilityZone: 'us-east-1b' },
              Monitoring: { State: 'disabled' },
            }),
          ],
        },
      ],
    });

    // Act
    const targets = await resolver().candidates(
      'web',
      spec({
        resourceIds: ['i-1', 'i-2'],
        filters: [
          { path: 'State.Name', values: ['stopped'] },
          { path: 'Placement.AvailabilityZone', values: ['us-east-1b'] },
          { path: 'Monitoring.State', values: ['enabled'] },
        ],
      }),
    );

    // Assess
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({
      Filters: [
        { Name: 'tag:faultline:target', Values: ['true'] },
        { Name: 'instance-id', Values: ['i-1', 'i-2'] },
        { Name: 'instance-state-name', Values: ['stopped'] },
        { Name: 'availability-zone', Values: ['us-east-1b'] },
      ],
      MaxResults: 1000,
    });
    expect(targets.map((t) => t.id)).toEqual(['i-1']);
  });

  it('never returns an instance without the opt-in tag, whatever the API answered', async () => {
    // Prepare
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance('i-1', { Tags: [{ Key: 'app', Value: 'checkout' }] })] }] });

    // Act
    const targets = await resolver().candidates('web', spec({ resourceIds: ['i-1'] }));

    // Assess
    expect(targets).toEqual([]);
  });

  it('asks nothing when the template wants another value of the opt-in tag', async () => {
    // Act
    const targets = await resolver().candidates('web', spec({ resourceTags: { 'faultline:target': 'false' } }));

    // Assess
    expect(targets).toEqual([]);
    expect(ec2).not.toHaveReceivedCommand(DescribeInstancesCommand);
  });

  it('wraps a failed call in TargetResolutionError', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).rejects(new Error('UnauthorizedOperation'));

    // Act / Assess
    await expect(resolver().candidates('web', spec({ resourceIds: ['i-1'] }))).rejects.toThrow(TargetResolutionError);
  });

  it('refuses a local target and an unknown resource type', async () => {
    await expect(
      resolver().candidates('web', spec({ provider: 'local', resourceType: 'local:replica' })),
    ).rejects.toThrow(TargetResolutionError);
    await expect(
      resolver().candidates('web', spec({ resourceType: 'aws:ecs:task', resourceIds: ['x'] })),
    ).rejects.toThrow(/unknown resource type/);
  });
});

describe('AwsTargetResolver: RDS', () => {
  it('finds clusters by identifier, keeps available ones carrying the opt-in tag, and pages with Marker', async () => {
    // Prepare
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce({
        DBClusters: [
          {
            DBClusterIdentifier: 'orders',
            DBClusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:orders',
            Engine: 'aurora-postgresql',
            Status: 'available',
            TagList: [optIn],
          },
        ],
        Marker: 'm1',
      })
      .resolvesOnce({ DBClusters: [{ DBClusterIdentifier: 'billing', Status: 'modifying', TagList: [optIn] }] });

    // Act
    const targets = await resolver().candidates(
      'db',
      spec({ resourceType: 'aws:rds:cluster', resourceIds: ['orders', 'billing'] }),
    );

    // Assess
    expect(rds.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'db-cluster-id', Values: ['orders', 'billing'] }], MaxRecords: 100 },
      { Filters: [{ Name: 'db-cluster-id', Values: ['orders', 'billing'] }], MaxRecords: 100, Marker: 'm1' },
    ]);
    expect(targets).toEqual([
      {
        name: 'db',
        provider: 'aws',
        resourceType: 'aws:rds:cluster',
        id: 'orders',
        key: 'aws:rds:cluster:orders',
        attributes: {
          arn: 'arn:aws:rds:us-east-1:123456789012:cluster:orders',
          engine: 'aurora-postgresql',
          status: 'available',
        },
      },
    ]);
  });

  it('finds DB instances by tags (RDS filters tags on the results)', async () => {
    // Prepare
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'orders-1',
          DBInstanceStatus: 'available',
          MultiAZ: true,
          TagList: [optIn, { Key: 'app', Value: 'orders' }],
        },
        {
          DBInstanceIdentifier: 'other-1',
          DBInstanceStatus: 'available',
          TagList: [optIn, { Key: 'app', Value: 'other' }],
        },
      ],
    });

    // Act
    const targets = await resolver().candidates(
      'db',
      spec({ resourceType: 'aws:rds:db', resourceTags: { app: 'orders' } }),
    );

    // Assess
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0]!.args[0].input).toEqual({ MaxRecords: 100 });
    expect(targets.map((t) => [t.key, t.attributes?.multiAZ])).toEqual([['aws:rds:db:orders-1', 'true']]);
  });
});

describe('AwsTargetResolver: FIS experiment templates', () => {
  it('looks templates up by id and skips those that do not exist', async () => {
    // Prepare
    fis
      .on(GetExperimentTemplateCommand, { id: 'EXT1' })
      .resolves({ experimentTemplate: { id: 'EXT1', tags: { 'faultline:target': 'true' } } })
      .on(GetExperimentTemplateCommand, { id: 'EXT2' })
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));

    // Act
    const targets = await resolver().candidates(
      'az',
      spec({ resourceType: 'aws:fis:experiment-template', resourceIds: ['EXT1', 'EXT2'] }),
    );

    // Assess
    expect(targets.map((t) => t.key)).toEqual(['aws:fis:experiment-template:EXT1']);
  });

  it('lists templates by tags across pages', async () => {
    // Prepare
    fis
      .on(ListExperimentTemplatesCommand)
      .resolvesOnce({
        experimentTemplates: [{ id: 'EXT1', tags: { 'faultline:target': 'true', team: 'checkout' } }],
        nextToken: 'n',
      })
      .resolvesOnce({ experimentTemplates: [{ id: 'EXT2', tags: { team: 'checkout' } }] });

    // Act
    const targets = await resolver().candidates(
      'az',
      spec({ resourceType: 'aws:fis:experiment-template', resourceTags: { team: 'checkout' } }),
    );

    // Assess
    expect(fis.commandCalls(ListExperimentTemplatesCommand).map((c) => c.args[0].input)).toEqual([
      { maxResults: 100 },
      { maxResults: 100, nextToken: 'n' },
    ]);
    expect(targets.map((t) => t.id)).toEqual(['EXT1']);
  });
});
