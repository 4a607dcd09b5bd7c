import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodePipelineClient,
  ListPipelineExecutionsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  RollbackStageCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import {
  DescribeInstancesCommand,
  EC2Client,
  RebootInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type DescribeInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  FisClient,
  GetExperimentCommand,
  GetExperimentTemplateCommand,
  ListExperimentsCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  FailoverDBClusterCommand,
  RDSClient,
  RebootDBInstanceCommand,
} from '@aws-sdk/client-rds';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  SchedulerClient,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import {
  CancelCommandCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { CodePipelineStageExecutionStateChange, ExperimentCompleted, GameDayDue } from '../events';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FaultRecord } from '../shared/domain/execution';
import { parseTemplate, type TemplateInput } from '../shared/domain/template';
import { storeTemplate } from '../shared/delivery/bindings';
import { RECORDS } from '../shared/delivery/dependencies';
import { startEmbeddedDynamo, localDynamoClient } from '../local/dynamo';
import type { BusEvent as Envelope } from '../events/envelope';
import { matchesPattern } from '../local/event-pattern';
import { loadFunctionRules, type FunctionRule } from '../local/rules';
import { ExecutionStore } from '../shared/store/execution-store';
import { CallRecorder, type RecordedCall } from './iam-recorder';

/**
 * Drives every function's real handler (functions/<name>/handler.ts, on the real AWS composition
 * roots) through the scenarios that make it issue each SDK command it can issue. aws-sdk-client-mock
 * plays EC2, SSM, RDS, FIS, Scheduler, EventBridge, CloudWatch, CodePipeline, ELB and Auto
 * Scaling; DynamoDB is dynalite. Events the code publishes are routed to the functions by
 * serverless.yml's rules; schedules it creates fire when the (shifted) clock reaches them.
 */

/** The account, region and stage every recorded call and the packaged template agree on. */
export const WORLD = {
  account: '123456789012',
  region: 'eu-west-1',
  partition: 'aws',
  stage: 'ci',
  targetTag: { key: 'faultline:target', value: 'true' },
  /** The name standing for the report bucket, which CloudFormation names (testing/iam-model.ts). */
  reportBucket: 'faultline-ci-reportbucket-0a1b2c3d4e5f',
} as const;

/** The repository: the nearest directory up from here with a serverless.yml (this file may run bundled). */
const root = (() => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'serverless.yml'))) return dir;
  throw new Error(`serverless.yml not found above ${__dirname}`);
})();

/** Each function's handler module, loaded on first use (literal paths, so that a bundler finds them). */
const HANDLERS: Record<string, () => { handler: Handler }> = {
  prepare: () => require('../functions/prepare/handler'),
  inject: () => require('../functions/inject/handler'),
  observe: () => require('../functions/observe/handler'),
  guard: () => require('../functions/guard/handler'),
  revert: () => require('../functions/revert/handler'),
  recover: () => require('../functions/recover/handler'),
  validate: () => require('../functions/validate/handler'),
  sweeper: () => require('../functions/sweeper/handler'),
  pipelineTrigger: () => require('../functions/pipeline-trigger/handler'),
  pipelineGate: () => require('../functions/pipeline-gate/handler'),
  pipelineRollback: () => require('../functions/pipeline-rollback/handler'),
  gameDay: () => require('../functions/game-day/handler'),
  report: () => require('../functions/report/handler'),
};
/* eslint-enable @typescript-eslint/no-require-imports */
const name = `faultline-${WORLD.stage}`;
const BUS_ARN = `arn:aws:events:${WORLD.region}:${WORLD.account}:event-bus/${name}`;

/** The environment serverless.yml gives every function, with the packaged stack's names. */
const functionEnvironment = (dynamoEndpoint: string): Record<string, string> => ({
  TABLE_NAME: name,
  EVENT_BUS_NAME: name,
  EVENT_BUS_ARN: BUS_ARN,
  SCHEDULER_GROUP: name,
  SCHEDULER_ROLE_ARN: `arn:aws:iam::${WORLD.account}:role/${name}-SchedulerRole`,
  SCHEDULER_DLQ_ARN: `arn:aws:sqs:${WORLD.region}:${WORLD.account}:${name}-scheduler-dlq`,
  STAGE: WORLD.stage,
  SSM_DOCUMENT_PREFIX: `${name}-`,
  TARGET_TAG_KEY: WORLD.targetTag.key,
  TARGET_TAG_VALUE: WORLD.targetTag.value,
  METRIC_QUERIES: JSON.stringify({
    default: {
      requests: {
        namespace: 'AWS/ApplicationELB',
        metricName: 'RequestCount',
        dimensions: { LoadBalancer: 'app/web/1' },
        stat: 'Sum',
      },
    },
  }),
  GATE_MAX_WAIT: 'PT1H',
  // serverless.yml gives it to the report function only; the others do not read it.
  REPORT_BUCKET: WORLD.reportBucket,
  // The report function's metrics (embedded metric format on standard output) make no AWS call.
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_REGION: WORLD.region,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
  AWS_MAX_ATTEMPTS: '1',
  LOG_LEVEL: 'error',
});

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

// ---- the fake account ----------------------------------------------------------------------

export interface FakeInstance {
  id: string;
  state: string;
  tags: Record<string, string>;
}

const TAGGED = { [WORLD.targetTag.key]: WORLD.targetTag.value };

/** The resources of the account the scenarios act on, and their tags (the IAM check reads these). */
export const FLEET = {
  instances: [
    { id: 'i-0a0000000000000a1', tags: { ...TAGGED, app: 'web', 'aws:autoscaling:groupName': 'web-asg' } },
    { id: 'i-0a0000000000000a2', tags: { ...TAGGED, app: 'web' } },
    { id: 'i-0a0000000000000a3', tags: { ...TAGGED, app: 'web' } },
    { id: 'i-0a0000000000000b1', tags: { ...TAGGED, app: 'batch' } },
  ],
  clusters: [{ id: 'orders-db', writer: 'orders-db-1', tags: { ...TAGGED } }],
  dbInstances: [
    { id: 'orders-db-1', cluster: 'orders-db', tags: { ...TAGGED } },
    { id: 'ledger-db', tags: { ...TAGGED } },
  ],
  fisTemplates: [{ id: 'EXT1a2b3c4d5e6f7', tags: { ...TAGGED } }],
  alarms: ['web-5xx'],
  pipeline: { name: 'checkout', stage: 'Deploy' },
} as const;

/** The FIS stub, typed by hand (see install). */
interface FisStub {
  // biome-ignore lint/suspicious/noExplicitAny: a boundary over contracts and SDK stubs of any shape
  on(command: unknown): { callsFake(fake: (input: any) => unknown): unknown };
  restore(): void;
}

type Mocks = {
  // biome-ignore lint/suspicious/noExplicitAny: a boundary over contracts and SDK stubs of any shape
  ec2: AwsStub<any, any, any>;
  // biome-ignore lint/suspicious/noExplicitAny: a boundary over contracts and SDK stubs of any shape
  all: AwsStub<any, any, any>[];
};

/** Per-scenario behaviour of the fake account. */
interface Behaviour {
  /** SSM invocations of `Action=inject` fail (the fault does not take on the host). */
  hostFaultFails?: boolean;
  /** SSM no longer reaches these instances (SendCommand: InvalidInstanceId) and EC2 lists them terminated. */
  unreachable?: string[];
}

const awsError = (name: string): Error => Object.assign(new Error(name), { name });

class FakeAccount {
  readonly instances = new Map<string, FakeInstance>();
  readonly experiments = new Map<string, { status: string; tags: Record<string, string>; templateId: string }>();
  readonly commands = new Map<string, { instanceIds: string[]; action: string }>();
  readonly clusterStatus = new Map<string, string[]>();
  readonly published: PutEventsRequestEntry[] = [];
  readonly schedules: CreateScheduleCommandInput[] = [];
  readonly deleted = new Set<string>();
  /** Objects put in S3 (the report bucket), in order. */
  readonly objects: PutObjectCommandInput[] = [];
  behaviour: Behaviour = {};

  reset(behaviour: Behaviour = {}): void {
    this.instances.clear();
    for (const i of FLEET.instances) this.instances.set(i.id, { id: i.id, state: 'running', tags: { ...i.tags } });
    this.experiments.clear();
    this.commands.clear();
    this.clusterStatus.clear();
    this.published.length = 0;
    this.schedules.length = 0;
    this.deleted.clear();
    this.objects.length = 0;
    this.behaviour = behaviour;
  }

  describeInstances(input: DescribeInstancesCommandInput) {
    const filters = input.Filters ?? [];
    const found = [...this.instances.values()].filter((i) => {
      if (input.InstanceIds && !input.InstanceIds.includes(i.id)) return false;
      return filters.every((f) => {
        const values = f.Values ?? [];
        if (f.Name?.startsWith('tag:')) return values.includes(i.tags[f.Name.slice(4)] ?? '');
        if (f.Name === 'instance-id') return values.includes(i.id);
        if (f.Name === 'instance-state-name') return values.includes(i.state);
        return true;
      });
    });
    return {
      Reservations: found.map((i) => ({
        Instances: [
          {
            InstanceId: i.id,
            State: { Name: i.state },
            Placement: { AvailabilityZone: `${WORLD.region}a` },
            PrivateIpAddress: '10.0.0.1',
            Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
          },
        ],
      })),
    };
  }

  setState(ids: readonly string[] | undefined, state: string) {
    for (const id of ids ?? []) {
      const instance = this.instances.get(id);
      if (instance) instance.state = state;
    }
    return {};
  }

  cluster(id: string) {
    const c = FLEET.clusters.find((x) => x.id === id)!;
    const queued = this.clusterStatus.get(id) ?? [];
    const status = queued.shift() ?? 'available';
    return {
      DBClusterIdentifier: c.id,
      DBClusterArn: `arn:aws:rds:${WORLD.region}:${WORLD.account}:cluster:${c.id}`,
      Engine: 'aurora-postgresql',
      Status: status,
      DBClusterMembers: [{ DBInstanceIdentifier: c.writer, IsClusterWriter: true }],
      TagList: Object.entries(c.tags).map(([Key, Value]) => ({ Key, Value })),
    };
  }

  dbInstance(id: string) {
    const d = FLEET.dbInstances.find((x) => x.id === id)!;
    return {
      DBInstanceIdentifier: d.id,
      DBInstanceArn: `arn:aws:rds:${WORLD.region}:${WORLD.account}:db:${d.id}`,
      Engine: 'postgres',
      DBInstanceStatus: 'available',
      MultiAZ: true,
      ...('cluster' in d ? { DBClusterIdentifier: d.cluster } : {}),
      TagList: Object.entries(d.tags).map(([Key, Value]) => ({ Key, Value })),
    };
  }

  install(): Mocks {
    const ec2 = mockClient(EC2Client);
    ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => this.describeInstances(input));
    ec2.on(TerminateInstancesCommand).callsFake((input) => this.setState(input.InstanceIds, 'shutting-down'));
    ec2.on(StopInstancesCommand).callsFake((input) => this.setState(input.InstanceIds, 'stopped'));
    ec2.on(RebootInstancesCommand).callsFake(() => ({}));
    ec2.on(StartInstancesCommand).callsFake((input) => this.setState(input.InstanceIds, 'pending'));

    const ssm = mockClient(SSMClient);
    ssm.on(SendCommandCommand).callsFake((input) => {
      const ids: string[] = input.InstanceIds ?? [];
      if (ids.some((id) => this.behaviour.unreachable?.includes(id))) throw awsError('InvalidInstanceId');
      const id = `cmd-${randomUUID()}`;
      this.commands.set(id, { instanceIds: ids, action: input.Parameters?.Action?.[0] ?? 'inject' });
      return { Command: { CommandId: id } };
    });
    ssm.on(ListCommandInvocationsCommand).callsFake((input) => {
      const command = this.commands.get(input.CommandId)!;
      const failed = this.behaviour.hostFaultFails && command.action === 'inject';
      return {
        CommandInvocations: command.instanceIds.map((InstanceId) => ({
          InstanceId,
          Status: failed ? 'Failed' : 'Success',
          StatusDetails: failed ? 'Failed' : 'Success',
          CommandPlugins: [{ Output: failed ? 'stress-ng: not found' : 'ok' }],
        })),
      };
    });
    ssm.on(CancelCommandCommand).resolves({});

    const rds = mockClient(RDSClient);
    rds.on(DescribeDBClustersCommand).callsFake((input) => {
      const id = input.DBClusterIdentifier ?? input.Filters?.[0]?.Values?.[0];
      const ids = id ? [id] : FLEET.clusters.map((c) => c.id);
      return { DBClusters: ids.map((i: string) => this.cluster(i)) };
    });
    rds.on(DescribeDBInstancesCommand).callsFake((input) => {
      const id = input.DBInstanceIdentifier ?? input.Filters?.[0]?.Values?.[0];
      const ids = id ? [id] : FLEET.dbInstances.map((d) => d.id);
      return { DBInstances: ids.map((i: string) => this.dbInstance(i)) };
    });
    rds.on(FailoverDBClusterCommand).callsFake((input) => {
      this.clusterStatus.set(input.DBClusterIdentifier, ['failing-over']);
      return {};
    });
    rds.on(RebootDBInstanceCommand).callsFake((input) => ({
      DBInstance: { DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: 'rebooting' },
    }));

    // client-fis is of an older SDK line whose types aws-sdk-client-mock does not accept as they are.
    const fis = mockClient(FisClient as never) as unknown as FisStub;
    const templateOf = (id: string) => {
      const t = FLEET.fisTemplates.find((x) => x.id === id);
      return t ? { id: t.id, tags: { ...t.tags } } : undefined;
    };
    fis.on(GetExperimentTemplateCommand).callsFake((input) => {
      const t = templateOf(input.id);
      if (!t) throw awsError('ResourceNotFoundException');
      return { experimentTemplate: t };
    });
    fis
      .on(ListExperimentTemplatesCommand)
      .callsFake(() => ({ experimentTemplates: FLEET.fisTemplates.map((t) => templateOf(t.id)) }));
    fis.on(StartExperimentCommand).callsFake((input) => {
      const id = `EXP${randomUUID().replace(/-/g, '').slice(0, 14)}`;
      this.experiments.set(id, {
        status: 'running',
        tags: { ...(input.tags ?? {}) },
        templateId: input.experimentTemplateId,
      });
      return {
        experiment: {
          id,
          experimentTemplateId: input.experimentTemplateId,
          state: { status: 'initiating' },
          tags: input.tags,
        },
      };
    });
    fis.on(GetExperimentCommand).callsFake((input) => {
      const e = this.experiments.get(input.id);
      if (!e) throw awsError('ResourceNotFoundException');
      return { experiment: { id: input.id, state: { status: e.status }, tags: e.tags } };
    });
    fis.on(StopExperimentCommand).callsFake((input) => {
      const e = this.experiments.get(input.id)!;
      e.status = 'stopped';
      return { experiment: { id: input.id, state: { status: 'stopping' } } };
    });
    fis.on(ListExperimentsCommand).callsFake(() => ({
      experiments: [...this.experiments.entries()].map(([id, e]) => ({
        id,
        tags: e.tags,
        state: { status: e.status },
      })),
    }));

    const scheduler = mockClient(SchedulerClient);
    scheduler.on(CreateScheduleCommand).callsFake((input: CreateScheduleCommandInput) => {
      this.schedules.push(input);
      return {
        ScheduleArn: `arn:aws:scheduler:${WORLD.region}:${WORLD.account}:schedule/${input.GroupName}/${input.Name}`,
      };
    });
    scheduler.on(DeleteScheduleCommand).callsFake((input) => {
      if (this.deleted.has(input.Name) || !this.schedules.some((s) => s.Name === input.Name))
        throw awsError('ResourceNotFoundException');
      this.deleted.add(input.Name);
      return {};
    });

    const events = mockClient(EventBridgeClient);
    events.on(PutEventsCommand).callsFake((input) => {
      this.published.push(...(input.Entries ?? []));
      return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: randomUUID() })) };
    });

    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.on(DescribeAlarmsCommand).callsFake((input) => ({
      MetricAlarms: (input.AlarmNames ?? []).map((AlarmName: string) => ({ AlarmName, StateValue: 'OK' })),
    }));
    cloudWatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'requests', Values: [1000], StatusCode: 'Complete' }] });

    const autoScaling = mockClient(AutoScalingClient);
    autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake((input) => ({
      AutoScalingGroups: (input.AutoScalingGroupNames ?? []).map((AutoScalingGroupName: string) => ({
        AutoScalingGroupName,
        DesiredCapacity: 1,
        Instances: [{ InstanceId: FLEET.instances[0].id, LifecycleState: 'InService', HealthStatus: 'Healthy' }],
        TargetGroupARNs: [
          `arn:aws:elasticloadbalancing:${WORLD.region}:${WORLD.account}:targetgroup/web/0123456789abcdef`,
        ],
      })),
    }));
    const elbv2 = mockClient(ElasticLoadBalancingV2Client);
    elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: FLEET.instances[0].id }, TargetHealth: { State: 'healthy' } }],
    });

    const codePipeline = mockClient(CodePipelineClient);
    codePipeline.on(PutJobSuccessResultCommand).resolves({});
    codePipeline.on(PutJobFailureResultCommand).resolves({});
    codePipeline.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [
        { pipelineExecutionId: '11111111-2222-4333-8444-555555555555', status: 'Succeeded', executionType: 'STANDARD' },
      ],
    });
    codePipeline.on(RollbackStageCommand).resolves({ pipelineExecutionId: '66666666-2222-4333-8444-555555555555' });
    codePipeline
      .on(StopPipelineExecutionCommand)
      .resolves({ pipelineExecutionId: '11111111-2222-4333-8444-000000000000' });

    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      this.objects.push(input);
      return { ETag: `"${randomUUID()}"` };
    });

    return {
      ec2,
      all: [
        ec2,
        ssm,
        rds,
        // biome-ignore lint/suspicious/noExplicitAny: the FIS stub is typed for its own client
        fis as unknown as AwsStub<any, any, any>,
        scheduler,
        events,
        cloudWatch,
        autoScaling,
        elbv2,
        codePipeline,
        s3,
      ],
    };
  }
}

// ---- time ---------------------------------------------------------------------------------

/** Shifts the process's clock forward (schedules fire at their time without waiting for it). */
class ShiftedClock {
  private offset = 0;
  private readonly real = Date;

  install(): void {
    const real = this.real;
    const self = this;
    class Shifted extends real {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(real.now() + self.offset);
        else super(...(args as [string]));
      }
      static override now(): number {
        return real.now() + self.offset;
      }
    }
    globalThis.Date = Shifted as DateConstructor;
  }

  advanceTo(time: number): void {
    const now = this.real.now() + this.offset;
    if (time > now) this.offset += time - now;
  }

  uninstall(): void {
    globalThis.Date = this.real;
  }
}

// ---- the functions -------------------------------------------------------------------------

type BusEvent = Envelope<Record<string, unknown>>;

const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const busEvent = (
  source: string,
  detailType: string,
  detail: Record<string, unknown>,
  resources: string[] = [],
): BusEvent => ({
  version: '0',
  id: randomUUID(),
  'detail-type': detailType,
  source,
  account: WORLD.account,
  time: isoSeconds(new Date()),
  region: WORLD.region,
  resources,
  detail,
});

const lambdaContext = { getRemainingTimeInMillis: () => 60_000, functionName: 'faultline', awsRequestId: 'iam' };

export interface DriveResult {
  calls: RecordedCall[];
  /** Scenario → detail types seen on the bus, in order (tests assert the flows ran through). */
  flows: Record<string, string[]>;
  /** Errors the handlers threw, per scenario (a scenario expects some: dead-lettered events). */
  errors: Record<string, string[]>;
}

const alarmEvent = (alarmName: string) =>
  busEvent(
    'aws.cloudwatch',
    'CloudWatch Alarm State Change',
    {
      alarmName,
      state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: new Date().toISOString() },
      previousState: { value: 'OK', reason: 'Threshold Crossed', timestamp: new Date().toISOString() },
    },
    [`arn:aws:cloudwatch:${WORLD.region}:${WORLD.account}:alarm:${alarmName}`],
  );

const baseTemplate = (
  id: string,
  targets: TemplateInput['targets'],
  actions: TemplateInput['actions'],
  extra: Partial<TemplateInput> = {},
): TemplateInput => ({
  id,
  version: 1,
  description: 'IAM coverage',
  hypothesis: {
    statement: 'the service holds',
    successCriteria: [
      { type: 'availability', minPercent: 99 },
      { type: 'recoveryTime', maxSeconds: 600 },
    ],
  },
  targets,
  actions,
  stopConditions: [{ alarm: FLEET.alarms[0] }],
  safety: { environments: [WORLD.stage] },
  observation: { window: 'PT1M' },
  recovery: { timeout: 'PT10M', checkEvery: 'PT1M' },
  ...extra,
});

const instanceTarget = (ids: string[]) =>
  ({ provider: 'aws', resourceType: 'aws:ec2:instance', resourceIds: ids, selectionMode: 'ALL' }) as const;

/** The templates of the scenarios. */
export const TEMPLATES = {
  instances: baseTemplate(
    'iam-instances',
    {
      a: instanceTarget([FLEET.instances[0].id]),
      b: instanceTarget([FLEET.instances[1].id]),
      c: instanceTarget([FLEET.instances[2].id]),
    },
    {
      stop: { fault: 'instance-termination', target: 'a', parameters: { action: 'stop' }, duration: 'PT5M' },
      terminate: { fault: 'instance-termination', target: 'b', parameters: { action: 'terminate' }, duration: 'PT5M' },
      reboot: { fault: 'instance-termination', target: 'c', parameters: { action: 'reboot' }, duration: 'PT5M' },
    },
  ),
  host: baseTemplate(
    'iam-host',
    { h: instanceTarget([FLEET.instances[3].id]) },
    { cpu: { fault: 'cpu-stress', target: 'h', parameters: { loadPercent: 80 }, duration: 'PT5M' } },
  ),
  databases: baseTemplate(
    'iam-databases',
    {
      cluster: {
        provider: 'aws',
        resourceType: 'aws:rds:cluster',
        resourceIds: [FLEET.clusters[0].id],
        selectionMode: 'ALL',
      },
      db: { provider: 'aws', resourceType: 'aws:rds:db', resourceIds: [FLEET.dbInstances[1].id], selectionMode: 'ALL' },
    },
    {
      failover: { fault: 'database-failure', target: 'cluster', parameters: { mode: 'failover' }, duration: 'PT5M' },
      reboot: { fault: 'database-failure', target: 'db', parameters: { mode: 'reboot' }, duration: 'PT5M' },
    },
  ),
  writerReboot: baseTemplate(
    'iam-writer-reboot',
    {
      cluster: { provider: 'aws', resourceType: 'aws:rds:cluster', resourceTags: { ...TAGGED }, selectionMode: 'ALL' },
    },
    { reboot: { fault: 'database-failure', target: 'cluster', parameters: { mode: 'reboot' }, duration: 'PT5M' } },
  ),
  fis: baseTemplate(
    'iam-fis',
    {
      t: {
        provider: 'aws',
        resourceType: 'aws:fis:experiment-template',
        resourceTags: { ...TAGGED },
        selectionMode: 'ALL',
      },
      web: instanceTarget([FLEET.instances[1].id]),
    },
    {
      run: {
        fault: 'fis-experiment',
        target: 't',
        parameters: { experimentTemplateId: FLEET.fisTemplates[0].id },
        duration: 'PT5M',
      },
    },
  ),
  fisById: baseTemplate(
    'iam-fis-by-id',
    {
      t: {
        provider: 'aws',
        resourceType: 'aws:fis:experiment-template',
        resourceIds: [FLEET.fisTemplates[0].id],
        selectionMode: 'ALL',
      },
    },
    {
      run: {
        fault: 'fis-experiment',
        target: 't',
        parameters: { experimentTemplateId: FLEET.fisTemplates[0].id },
        duration: 'PT5M',
      },
    },
  ),
  pipeline: baseTemplate(
    'iam-pipeline',
    { a: instanceTarget([FLEET.instances[1].id]) },
    { reboot: { fault: 'instance-termination', target: 'a', parameters: { action: 'reboot' }, duration: 'PT5M' } },
    {
      delivery: {
        pipelines: [{ pipeline: FLEET.pipeline.name, stage: FLEET.pipeline.stage, onFailure: 'rollback-stage' }],
      },
    },
  ),
  pipelineStop: baseTemplate(
    'iam-pipeline-stop',
    { a: instanceTarget([FLEET.instances[2].id]) },
    { reboot: { fault: 'instance-termination', target: 'a', parameters: { action: 'reboot' }, duration: 'PT5M' } },
    { delivery: { pipelines: [{ pipeline: FLEET.pipeline.name, stage: 'Release', onFailure: 'stop-pipeline' }] } },
  ),
} satisfies Record<string, TemplateInput>;

/**
 * Runs every scenario once and returns the calls each function made. Must run in a fresh module
 * registry (a jest test file, or a script's process): it reads the functions' handler modules,
 * whose clients and configuration are built once per process.
 */
export const driveFunctions = async (): Promise<DriveResult> => {
  const dynamo = await startEmbeddedDynamo(name);
  const savedEnv = { ...process.env };
  Object.assign(process.env, functionEnvironment(dynamo.endpoint));
  const clock = new ShiftedClock();
  clock.install();
  const account = new FakeAccount();
  const mocks = account.install();
  const recorder = new CallRecorder();
  const seedClient = localDynamoClient(dynamo.endpoint);
  const seed = new ExecutionStore(seedClient, name);
  const flows: Record<string, string[]> = {};
  const errors: Record<string, string[]> = {};
  try {
    // The handlers as serverless.yml names them, and their rules.
    const rules: FunctionRule[] = loadFunctionRules(join(root, 'serverless.yml'));
    const handlers = new Map<string, Handler>();
    const handlerOf = (fn: string): Handler => {
      const found = handlers.get(fn);
      if (found) return found;
      const load = HANDLERS[fn];
      if (!load) throw new Error(`no handler module for function ${fn}`);
      const handler = load().handler;
      handlers.set(fn, handler);
      return handler;
    };
    const { clients } = await import('../shared/aws/clients');
    recorder.attach(clients);

    let scenario = '';
    const queue: BusEvent[] = [];
    const invoke = async (fn: string, event: unknown) => {
      try {
        await recorder.as(fn, () => handlerOf(fn)(event, lambdaContext));
      } catch (error) {
        (errors[scenario] ??= []).push(`${fn}: ${(error as Error).name}: ${(error as Error).message}`);
      }
      collect();
    };
    const collect = () => {
      for (const entry of account.published.splice(0)) {
        queue.push(
          busEvent(entry.Source!, entry.DetailType!, JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>),
        );
      }
    };
    const deliver = async (event: BusEvent) => {
      (flows[scenario] ??= []).push(
        event['detail-type'] === 'ExperimentRejected'
          ? `ExperimentRejected: ${JSON.stringify(event.detail.reasons)}`
          : event['detail-type'],
      );
      const bus = event.source === 'faultline' ? 'custom' : 'default';
      for (const rule of rules) {
        if (rule.bus === bus && matchesPattern(rule.pattern, event)) await invoke(rule.functionName, event);
      }
    };
    /** Delivers events until none is left, then fires the next due schedule; until nothing is pending. */
    const pump = async (maxSteps = 200) => {
      for (let step = 0; step < maxSteps; step++) {
        const next = queue.shift();
        if (next) {
          await deliver(next);
          continue;
        }
        const pending = account.schedules.filter((s) => !account.deleted.has(s.Name!));
        if (pending.length === 0) return;
        const at = (s: CreateScheduleCommandInput) => Date.parse(`${/^at\((.*)\)$/.exec(s.ScheduleExpression!)![1]}Z`);
        pending.sort((x, y) => at(x) - at(y));
        const due = pending[0]!;
        account.deleted.add(due.Name!);
        clock.advanceTo(at(due) + 1000);
        queue.push(
          busEvent(
            due.Target!.EventBridgeParameters!.Source!,
            due.Target!.EventBridgeParameters!.DetailType!,
            JSON.parse(due.Target!.Input!),
          ),
        );
      }
      throw new Error(`scenario ${scenario} did not settle`);
    };
    const run = async (label: string, behaviour: Behaviour, start: () => Promise<void>) => {
      scenario = label;
      account.reset(behaviour);
      await start();
      collect();
      await pump();
    };
    const request = (template: TemplateInput, trigger: Record<string, unknown> = { type: 'cli', reference: 'iam' }) =>
      busEvent('faultline', 'ExperimentRequested', {
        version: 1,
        executionId: randomUUID(),
        experimentId: template.id,
        template,
        dryRun: false,
        trigger,
        requestedAt: new Date().toISOString(),
      });

    // Planned flows: every fault type, inject → observe → revert → recover → validate.
    await run('instances', {}, async () => void queue.push(request(TEMPLATES.instances)));
    await run('host', {}, async () => void queue.push(request(TEMPLATES.host)));
    await run('databases', {}, async () => void queue.push(request(TEMPLATES.databases)));
    await run('writer-reboot', {}, async () => void queue.push(request(TEMPLATES.writerReboot)));
    await run('fis-by-id', {}, async () => void queue.push(request(TEMPLATES.fisById)));

    // A host fault that does not take: inject cancels and cleans up; the host is gone by then.
    await run('host-failure', { hostFaultFails: true, unreachable: [FLEET.instances[3].id] }, async () => {
      account.instances.get(FLEET.instances[3].id)!.state = 'running';
      queue.push(request(TEMPLATES.host));
      // The host is terminated while the fault runs: SSM cannot reach it, EC2 lists it terminated.
      const original = account.describeInstances.bind(account);
      let injected = false;
      account.describeInstances = (input) => {
        if (injected) account.instances.get(FLEET.instances[3].id)!.state = 'terminated';
        return original(input);
      };
      mocks.all[1]!.on(SendCommandCommand).callsFake((input) => {
        const ids: string[] = input.InstanceIds ?? [];
        const action = input.Parameters?.Action?.[0] ?? 'inject';
        if (action === 'cleanup') {
          injected = true;
          throw awsError('InvalidInstanceId');
        }
        const id = `cmd-${randomUUID()}`;
        account.commands.set(id, { instanceIds: ids, action });
        return { Command: { CommandId: id } };
      });
    });
    // Restore the plain SSM behaviour for the next scenarios.
    mocks.all[1]!.on(SendCommandCommand).callsFake((input) => {
      const id = `cmd-${randomUUID()}`;
      account.commands.set(id, {
        instanceIds: input.InstanceIds ?? [],
        action: input.Parameters?.Action?.[0] ?? 'inject',
      });
      return { Command: { CommandId: id } };
    });
    account.describeInstances = FakeAccount.prototype.describeInstances.bind(account);

    // A stop-condition alarm while the FIS experiment runs: guard → SafetyViolated → revert stops it.
    await run('fis-guard', {}, async () => {
      queue.push(request(TEMPLATES.fis));
      let armed = false;
      for (let step = 0; step < 100; step++) {
        const next = queue.shift();
        if (!next) break;
        await deliver(next);
        if (next['detail-type'] === 'FaultInjected' && !armed) {
          armed = true;
          queue.unshift(alarmEvent(FLEET.alarms[0]));
        }
      }
    });

    // Delivery: a bound stage succeeds → experiments; a failed verdict → rollback or stop.
    for (const template of [TEMPLATES.pipeline, TEMPLATES.pipelineStop])
      await storeTemplate(seed, parseTemplate(template));
    await run('pipeline-trigger', {}, async () => {
      queue.push(
        busEvent(CodePipelineStageExecutionStateChange.source, CodePipelineStageExecutionStateChange.detailType, {
          ...CodePipelineStageExecutionStateChange.fixture,
          pipeline: FLEET.pipeline.name,
          'execution-id': '11111111-2222-4333-8444-999999999999',
          stage: FLEET.pipeline.stage,
        }),
      );
    });
    for (const [template, stage, executionId] of [
      [TEMPLATES.pipeline, FLEET.pipeline.stage, '11111111-2222-4333-8444-aaaaaaaaaaaa'],
      [TEMPLATES.pipelineStop, 'Release', '11111111-2222-4333-8444-bbbbbbbbbbbb'],
    ] as const) {
      // The rollback acts only on a failed execution the pipeline trigger started: seed one, as
      // the trigger and the phases would have left it.
      const executionIdOfRun = randomUUID();
      const trigger = { type: 'pipeline' as const, pipeline: { name: FLEET.pipeline.name, stage, executionId } };
      const at = new Date().toISOString();
      await seed.createExecution({
        executionId: executionIdOfRun,
        experimentId: template.id,
        templateVersion: 1,
        template: parseTemplate(template),
        status: 'COMPLETED',
        verdict: 'FAILED',
        version: 9,
        environment: WORLD.stage,
        dryRun: false,
        trigger,
        requestedAt: at,
        updatedAt: at,
        completedAt: at,
        safety: { violated: false },
      });
      await seed.putRecordOnce(RECORDS.pipelineStarted, executionIdOfRun, {
        executionId: executionIdOfRun,
        experimentId: template.id,
        templateVersion: 1,
        pipeline: FLEET.pipeline.name,
        stage,
        pipelineExecutionId: executionId,
        runKey: `${FLEET.pipeline.name}#${stage}#STAGE#${executionId}`,
      });
      await run(`pipeline-rollback-${stage}`, {}, async () => {
        queue.push(
          busEvent('faultline', ExperimentCompleted.detailType, {
            ...ExperimentCompleted.fixture,
            executionId: executionIdOfRun,
            experimentId: template.id,
            templateVersion: 1,
            verdict: 'FAILED',
            environment: WORLD.stage,
            trigger,
          }),
        );
      });
    }

    // The gate: a job starts its experiments; the continuation answers with their verdicts; bad parameters fail the job.
    await run('pipeline-gate', {}, async () => {
      const job = (id: string, parameters: string, continuationToken?: string) => ({
        'CodePipeline.job': {
          id,
          accountId: WORLD.account,
          data: {
            actionConfiguration: {
              configuration: { FunctionName: `${name}-pipelineGate`, UserParameters: parameters },
            },
            ...(continuationToken ? { continuationToken } : {}),
          },
        },
      });
      const parameters = JSON.stringify({
        templates: [TEMPLATES.pipeline.id],
        pipelineExecutionId: '11111111-2222-4333-8444-cccccccccccc',
      });
      const jobId = randomUUID();
      await invoke('pipelineGate', job(jobId, parameters));
      await pump();
      await invoke('pipelineGate', job(randomUUID(), parameters, jobId));
      await invoke('pipelineGate', job(randomUUID(), '{"templates": 3}'));
    });

    // A game day: the due suite starts its experiments; their results complete the run.
    await run('game-day', {}, async () => {
      queue.push(
        busEvent('faultline', GameDayDue.detailType, {
          ...GameDayDue.fixture,
          dueAt: new Date().toISOString(),
          suite: { name: 'iam-nightly', templates: [TEMPLATES.pipeline.id] },
        }),
      );
    });

    // The sweeper moves on an execution stuck in recovery (its check was lost).
    await run('sweeper', {}, async () => {
      queue.push(request(TEMPLATES.instances));
      while (queue.length) {
        const next = queue.shift()!;
        await deliver(next);
        if (next['detail-type'] === 'FaultReverted') {
          queue.length = 0;
          break;
        }
        if (queue.length === 0) {
          const pending = account.schedules.filter(
            (s) => !account.deleted.has(s.Name!) && s.Name!.startsWith('observe-'),
          );
          for (const p of pending) {
            account.deleted.add(p.Name!);
            clock.advanceTo(Date.parse(`${/^at\((.*)\)$/.exec(p.ScheduleExpression!)![1]}Z`) + 1000);
            queue.push(
              busEvent('faultline', p.Target!.EventBridgeParameters!.DetailType!, JSON.parse(p.Target!.Input!)),
            );
          }
        }
      }
      account.schedules.length = 0;
      clock.advanceTo(Date.now() + 20 * 60_000);
      await deliver(
        busEvent('aws.events', 'Scheduled Event', {}, [
          `arn:aws:events:${WORLD.region}:${WORLD.account}:rule/sweeper-schedule`,
        ]),
      );
      collect();
    });

    // Inject's and revert's fault undo for a FIS experiment whose id was never recorded (the
    // inject died after StartExperiment): found again by its tags (ListExperiments). Both
    // functions reach FaultProvider.revert (shared/phases/inject.ts revertOwn, shared/phases/revert.ts).
    scenario = 'fis-unrecorded';
    account.reset();
    const { awsPhaseDependencies } = await import('../shared/lambda/aws-root');
    const deps = awsPhaseDependencies();
    account.experiments.set('EXP0unrecorded01', {
      status: 'running',
      tags: { ...TAGGED, 'faultline:execution-id': 'e-1', 'faultline:action': 'run' },
      templateId: FLEET.fisTemplates[0].id,
    });
    const unrecorded: FaultRecord = {
      executionId: 'e-1',
      action: 'run',
      faultType: 'fis-experiment',
      target: {
        name: 't',
        provider: 'aws',
        resourceType: 'aws:fis:experiment-template',
        id: FLEET.fisTemplates[0].id,
        key: `aws:fis:experiment-template:${FLEET.fisTemplates[0].id}`,
      },
      parameters: { experimentTemplateId: FLEET.fisTemplates[0].id },
      state: 'ARMED',
    } as unknown as FaultRecord;
    for (const fn of ['inject', 'revert']) {
      account.experiments.get('EXP0unrecorded01')!.status = 'running';
      await recorder.as(fn, () => deps.faults.forFault('aws', 'fis-experiment').revert(unrecorded));
    }
    return { calls: recorder.calls, flows, errors };
  } finally {
    for (const m of mocks.all) m.restore();
    clock.uninstall();
    seedClient.destroy();
    await dynamo.close();
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  }
};
