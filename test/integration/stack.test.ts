import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VERDICTS } from '../../events/vocabulary';
import { METRIC_NAMES, METRIC_NAMESPACE } from '../../shared/aws/emf-metrics';
import { PHASES } from '../../shared/phases/definitions';
import { tableDefinition } from '../../shared/store/table';
import { REQUIRED_ENV_VARS } from '../../shared/aws/config';
import { HOST_FAULT_TYPES } from '../../shared/aws/faults';
import { disposePackagedStack, packageStack, type CloudFormationTemplate } from '../../testing/package-stack';
import { zipEntries } from '../../testing/zip';
import { BUNDLE_BUCKET, BUNDLE_EXECUTION, runBundledReport } from '../support/bundled-report';

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** Fault APIs: the calls that change a target. None may have a `*` resource. */
const FAULT_ACTIONS = [
  'ec2:TerminateInstances',
  'ec2:StopInstances',
  'ec2:RebootInstances',
  'ec2:StartInstances',
  'ssm:SendCommand',
  'rds:FailoverDBCluster',
  'rds:RebootDBInstance',
  'fis:StartExperiment',
  'fis:StopExperiment',
];

const statementsOf = (template: CloudFormationTemplate) =>
  Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role')
    .flatMap(([role, r]) =>
      ((r.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) =>
        p.PolicyDocument.Statement.map((s) => ({ role, ...s })),
      ),
    );
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const logicalName = (functionName: string) =>
  `${functionName.charAt(0).toUpperCase()}${functionName.slice(1)}LambdaFunction`;

interface DashboardWidget {
  type: string;
  properties: { title?: string; region?: string; metrics?: unknown[][] };
}

/**
 * The dashboard's body as CloudWatch receives it: the Fn::Sub text with the region, the bucket and
 * each queue's name (`queue:<logical id>`) put in, parsed as JSON; undefined without a dashboard.
 */
const dashboardBody = (template: CloudFormationTemplate): { widgets: DashboardWidget[] } | undefined => {
  const dashboard = Object.values(template.Resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  if (!dashboard) return undefined;
  const text = (dashboard.Properties!.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
  const substituted = text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name === 'AWS::Region') return 'eu-west-1';
    if (name === 'ReportBucket') return 'report-bucket';
    const queue = /^([A-Za-z0-9]+)\.QueueName$/.exec(name);
    if (queue) return `queue:${queue[1]}`;
    throw new Error(`the dashboard's body substitutes \${${name}}, which the check does not know`);
  });
  return JSON.parse(substituted) as { widgets: DashboardWidget[] };
};

/**
 * What the dashboard lacks: a widget for each verdict of ExperimentsCompleted, for the alarm-to-revert
 * time and the failed reverts (the metrics the report function writes, under this stack's `service`),
 * the depth of every SQS queue of the template (every one is a dead-letter queue), a region on every
 * metric widget.
 */
const dashboardProblems = (template: CloudFormationTemplate): string[] => {
  const body = dashboardBody(template);
  if (!body) return ['no dashboard'];
  const problems: string[] = [];
  const shown: { namespace: string; name: string; dimensions: Record<string, string> }[] = [];
  for (const widget of body.widgets) {
    if (widget.type !== 'metric') continue;
    if (widget.properties.region !== 'eu-west-1') problems.push(`widget "${widget.properties.title}" has no region`);
    for (const entry of widget.properties.metrics ?? []) {
      const parts = entry.filter((p): p is string => typeof p === 'string');
      const [namespace = '', name = '', ...pairs] = parts;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
      shown.push({ namespace, name, dimensions });
    }
  }
  const has = (namespace: string, name: string, dimensions: Record<string, string>) =>
    shown.some(
      (m) =>
        m.namespace === namespace &&
        m.name === name &&
        JSON.stringify(Object.entries(m.dimensions).sort()) === JSON.stringify(Object.entries(dimensions).sort()),
    );
  const service = { service: 'faultline-ci' };
  const expected: [string, Record<string, string>][] = [
    ...VERDICTS.map((verdict): [string, Record<string, string>] => [
      METRIC_NAMES.experimentsCompleted,
      { ...service, Verdict: verdict },
    ]),
    [METRIC_NAMES.alarmToRevertSeconds, service],
    [METRIC_NAMES.failedReverts, service],
    [METRIC_NAMES.rollbacksFailed, service],
  ];
  for (const [name, dimensions] of expected)
    if (!has(METRIC_NAMESPACE, name, dimensions))
      problems.push(`no widget shows ${METRIC_NAMESPACE} ${name} ${JSON.stringify(dimensions)}`);
  const queues = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::SQS::Queue')
    .map(([id]) => id);
  const depths = shown
    .filter((m) => m.namespace === 'AWS/SQS' && m.name === 'ApproximateNumberOfMessagesVisible')
    .map((m) => (m.dimensions.QueueName ?? '').replace(/^queue:/, ''));
  for (const queue of queues) if (!depths.includes(queue)) problems.push(`dead-letter queue ${queue} has no widget`);
  for (const queue of depths)
    if (!queues.includes(queue)) problems.push(`the dashboard shows queue ${queue}, which the template does not have`);
  return problems;
};

describe('the CloudFormation template of `serverless package` (offline)', () => {
  let template: CloudFormationTemplate;
  let dir: string;
  beforeAll(() => {
    ({ template, dir } = packageStack());
  }, 240_000);
  afterAll(() => disposePackagedStack());

  const resourcesOfType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const rules = () => resourcesOfType('AWS::Events::Rule');

  it('has one rule per phase function, with the patterns of the contracts it accepts', () => {
    for (const phase of Object.values(PHASES)) {
      const own = rules().filter(([, r]) => JSON.stringify(r.Properties?.Targets).includes(logicalName(phase.name)));
      expect(own).toHaveLength(1);
      if (phase.routes.some((r) => r.contract.detailType === 'Scheduled Event')) {
        expect(own[0]![1].Properties!.ScheduleExpression).toBe('rate(5 minutes)');
        continue;
      }
      const pattern = own[0]![1].Properties!.EventPattern as { source: string[]; 'detail-type': string[] };
      expect(new Set(pattern['detail-type'])).toEqual(new Set(phase.routes.map((r) => r.contract.detailType)));
      expect(new Set(pattern.source)).toEqual(new Set(phase.routes.map((r) => r.contract.source)));
    }
  });

  it('puts faultline rules on the custom bus and the alarm rule on the default bus', () => {
    for (const [, rule] of rules()) {
      if (!rule.Properties!.EventPattern) continue;
      const pattern = rule.Properties!.EventPattern as { source: string[] };
      if (pattern.source.includes('faultline')) expect(rule.Properties!.EventBusName).toBeDefined();
      if (pattern.source.includes('aws.cloudwatch')) expect(rule.Properties!.EventBusName).toBeUndefined();
    }
  });

  it('gives every rule target a retry policy and a dead-letter queue that EventBridge may write to', () => {
    const policies = resourcesOfType('AWS::SQS::QueuePolicy');
    for (const [name, rule] of rules()) {
      for (const target of rule.Properties!.Targets as {
        RetryPolicy?: unknown;
        DeadLetterConfig?: { Arn: { 'Fn::GetAtt': [string, string] } };
      }[]) {
        expect({ name, retry: target.RetryPolicy }).toEqual({
          name,
          retry: expect.objectContaining({
            MaximumRetryAttempts: expect.any(Number),
            MaximumEventAgeInSeconds: expect.any(Number),
          }),
        });
        const queue = target.DeadLetterConfig?.Arn['Fn::GetAtt'][0];
        expect(queue && template.Resources[queue]?.Type).toBe('AWS::SQS::Queue');
        const policy = policies.find(([, p]) => JSON.stringify(p.Properties!.Queues).includes(queue!));
        expect(policy).toBeDefined();
        const statement = policy![1].Properties!.PolicyDocument.Statement[0] as Statement & {
          Principal: { Service: string };
        };
        expect(statement).toMatchObject({
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Principal: { Service: 'events.amazonaws.com' },
        });
        const alarms = resourcesOfType('AWS::CloudWatch::Alarm').filter(([, a]) =>
          JSON.stringify(a.Properties!.Dimensions).includes(queue!),
        );
        expect(alarms).toHaveLength(1);
      }
    }
  });

  /** The functions EventBridge invokes (asynchronously): the logical ids of the rules' function targets. */
  const invokedByEventBridge = () => [
    ...new Set(
      rules()
        .flatMap(([, r]) =>
          (r.Properties!.Targets as { Arn: { 'Fn::GetAtt'?: [string, string] } }[]).map(
            (t) => t.Arn['Fn::GetAtt']?.[0],
          ),
        )
        .filter((id): id is string => id !== undefined && template.Resources[id]?.Type === 'AWS::Lambda::Function'),
    ),
  ];
  const invokeConfigOf = (functionId: string) =>
    resourcesOfType('AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => JSON.stringify(c.Properties!.FunctionName) === JSON.stringify({ Ref: functionId }),
    );
  const roleOf = (functionId: string) =>
    (template.Resources[functionId]!.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const sendMessageStatements = (role: string) =>
    statementsOf(template).filter(
      (s) => s.role === role && s.Effect === 'Allow' && actionsOf(s).includes('sqs:SendMessage'),
    );

  it('sends what a function failed on every retry to its dead-letter queue, which has a depth alarm and which its role may write to', () => {
    const functions = invokedByEventBridge();
    expect(functions.sort()).toEqual(
      [
        'prepare',
        'inject',
        'observe',
        'guard',
        'revert',
        'recover',
        'validate',
        'sweeper',
        'pipelineTrigger',
        'pipelineRollback',
        'gameDay',
        'report',
      ]
        .map(logicalName)
        .sort(),
    );
    for (const functionId of functions) {
      const configs = invokeConfigOf(functionId);
      expect({ functionId, configs: configs.length }).toEqual({ functionId, configs: 1 });
      const config = configs[0]![1].Properties!;
      expect({ functionId, retries: config.MaximumRetryAttempts }).toEqual({ functionId, retries: 2 });
      const queue = (
        config.DestinationConfig?.OnFailure?.Destination as { 'Fn::GetAtt'?: [string, string] } | undefined
      )?.['Fn::GetAtt'];
      expect({ functionId, queue: queue && [template.Resources[queue[0]]?.Type, queue[1]] }).toEqual({
        functionId,
        queue: ['AWS::SQS::Queue', 'Arn'],
      });
      const alarms = resourcesOfType('AWS::CloudWatch::Alarm').filter(([, a]) =>
        JSON.stringify(a.Properties!.Dimensions).includes(`"${queue![0]}"`),
      );
      expect({ functionId, alarms: alarms.length }).toEqual({ functionId, alarms: 1 });
      // Its role may write to that queue, and to no other.
      const grants = sendMessageStatements(roleOf(functionId));
      expect({ functionId, resources: grants.flatMap(resourcesOf) }).toEqual({
        functionId,
        resources: [{ 'Fn::GetAtt': [queue![0], 'Arn'] }],
      });
    }
  });

  it('gives no role of a function SendMessage on a queue that is not its own on-failure destination', () => {
    for (const [functionId] of resourcesOfType('AWS::Lambda::Function')) {
      const destination = invokeConfigOf(functionId)[0]?.[1].Properties?.DestinationConfig?.OnFailure?.Destination;
      for (const s of sendMessageStatements(roleOf(functionId)))
        expect({ functionId, resource: s.Resource }).toEqual({ functionId, resource: destination });
    }
  });

  it('keeps the inject rule and its asynchronous invocation short-lived: an old start must not inject', () => {
    const inject = rules().find(([, r]) => JSON.stringify(r.Properties?.Targets).includes('InjectLambdaFunction'))![1];
    expect(inject.Properties!.Targets[0].RetryPolicy.MaximumEventAgeInSeconds).toBeLessThanOrEqual(120);
    const config = invokeConfigOf('InjectLambdaFunction')[0]![1].Properties!;
    expect(config.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(config.MaximumEventAgeInSeconds).toBeLessThanOrEqual(120);
  });

  it('stores no pipeline gate invocation anywhere: the gate has no on-failure (or on-success) destination', () => {
    const configs = invokeConfigOf('PipelineGateLambdaFunction');
    expect(configs.length).toBeLessThanOrEqual(1);
    for (const [, c] of configs) expect(c.Properties!.DestinationConfig ?? {}).toEqual({});
    expect(sendMessageStatements(roleOf('PipelineGateLambdaFunction'))).toEqual([]);
  });

  it('has no "*" action anywhere and no "*" resource on fault APIs', () => {
    const statements = statementsOf(template);
    expect(statements.length).toBeGreaterThan(20);
    for (const s of statements) {
      for (const action of actionsOf(s)) expect(action).not.toMatch(/\*/);
      if (actionsOf(s).some((a) => FAULT_ACTIONS.includes(a))) {
        expect({ role: s.role, resources: resourcesOf(s) }).not.toEqual({
          role: s.role,
          resources: expect.arrayContaining(['*']),
        });
      }
    }
  });

  it('conditions every EC2 fault action and SendCommand on instances on the target tag', () => {
    const faultStatements = statementsOf(template).filter(
      (s) =>
        actionsOf(s).some((a) => a.startsWith('ec2:') && FAULT_ACTIONS.includes(a)) ||
        (actionsOf(s).includes('ssm:SendCommand') && JSON.stringify(s.Resource).includes(':instance/')),
    );
    expect(faultStatements.length).toBeGreaterThanOrEqual(4);
    for (const s of faultStatements) {
      expect(s.Condition?.StringEquals).toEqual({ 'aws:ResourceTag/faultline:target': 'true' });
    }
  });

  it('lets revert only start instances again, and revert and validate only delete schedules', () => {
    const ofRole = (role: string) =>
      statementsOf(template)
        .filter((s) => s.role === role && s.Effect === 'Allow')
        .flatMap(actionsOf);
    const revert = ofRole('RevertRole');
    expect(revert).toContain('ec2:StartInstances');
    for (const action of ['ec2:TerminateInstances', 'ec2:StopInstances', 'ec2:RebootInstances'])
      expect(revert).not.toContain(action);
    expect(revert).toContain('cloudwatch:GetMetricData');
    for (const role of ['RevertRole', 'ValidateRole']) {
      expect({ role, actions: ofRole(role) }).toEqual({
        role,
        actions: expect.arrayContaining(['scheduler:DeleteSchedule']),
      });
      expect({ role, actions: ofRole(role) }).not.toEqual({
        role,
        actions: expect.arrayContaining(['scheduler:CreateSchedule']),
      });
      expect({ role, actions: ofRole(role) }).not.toEqual({ role, actions: expect.arrayContaining(['iam:PassRole']) });
    }
    // PassRole (of the Scheduler role) goes only with CreateSchedule.
    for (const role of new Set(statementsOf(template).map((s) => s.role))) {
      if (ofRole(role).includes('iam:PassRole'))
        expect({ role, actions: ofRole(role) }).toEqual({
          role,
          actions: expect.arrayContaining(['scheduler:CreateSchedule']),
        });
    }
    expect(ofRole('PrepareRole')).not.toContain('tag:GetResources');
  });

  it("allows SendCommand only with the stack's own SSM documents, which it ships", () => {
    const documentStatements = statementsOf(template).filter(
      (s) => actionsOf(s).includes('ssm:SendCommand') && JSON.stringify(s.Resource).includes(':document/'),
    );
    expect(documentStatements.length).toBeGreaterThan(0);
    for (const s of documentStatements) expect(JSON.stringify(s.Resource)).toContain(':document/faultline-ci-*');
    const documents = resourcesOfType('AWS::SSM::Document').map(([, d]) => d.Properties!.Name);
    expect(documents.sort()).toEqual(HOST_FAULT_TYPES.map((f) => `faultline-ci-${f}`).sort());
    for (const [, d] of resourcesOfType('AWS::SSM::Document'))
      expect(d.Properties!.Content).toMatchObject({ schemaVersion: '2.2' });
  });

  it('limits PutEvents to the bus and DynamoDB to the table and its index', () => {
    for (const s of statementsOf(template)) {
      if (actionsOf(s).includes('events:PutEvents')) expect(s.Resource).toEqual({ 'Fn::GetAtt': ['Bus', 'Arn'] });
      if (actionsOf(s).some((a) => a.startsWith('dynamodb:'))) {
        expect(JSON.stringify(s.Resource)).toMatch(/Table/);
        expect(resourcesOf(s)).not.toContain('*');
      }
    }
  });

  it('has the bus and its policy: consumers may create rules, only this account puts events', () => {
    expect(resourcesOfType('AWS::Events::EventBus')).toHaveLength(1);
    const policies = resourcesOfType('AWS::Events::EventBusPolicy').map(
      ([, p]) => p.Properties!.Statement as Statement & { Principal: unknown },
    );
    const put = policies.find((s) => actionsOf(s).includes('events:PutEvents'))!;
    expect(JSON.stringify(put.Principal)).toContain(':root');
    expect(JSON.stringify(put.Principal)).not.toContain('111122223333');
    const rulesPolicy = policies.find((s) => actionsOf(s).includes('events:PutRule'))!;
    expect(JSON.stringify(rulesPolicy)).toContain('111122223333');
  });

  it('declares the table as the embedded store creates it, with TTL', () => {
    const [, table] = resourcesOfType('AWS::DynamoDB::Table')[0]! as [string, { Properties: Record<string, unknown> }];
    const expected = tableDefinition('faultline-ci');
    expect(table.Properties.KeySchema).toEqual(expected.KeySchema);
    expect(table.Properties.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(expected.GlobalSecondaryIndexes);
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
  });

  it('has a Scheduler group and a role Scheduler assumes to put events on the bus', () => {
    expect(resourcesOfType('AWS::Scheduler::ScheduleGroup')).toHaveLength(1);
    const role = template.Resources.SchedulerRole!;
    expect(JSON.stringify(role.Properties!.AssumeRolePolicyDocument)).toContain('scheduler.amazonaws.com');
  });

  it('gives each function its own role and every variable the configuration requires, and sets log retention', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
    const roles = new Set(functions.map(([, f]) => JSON.stringify(f.Properties!.Role)));
    expect(roles.size).toBe(functions.length);
    for (const [, f] of functions) {
      for (const name of REQUIRED_ENV_VARS) expect(Object.keys(f.Properties!.Environment.Variables)).toContain(name);
      expect(f.Properties!.Runtime).toBe('nodejs22.x');
    }
    for (const [, g] of resourcesOfType('AWS::Logs::LogGroup')) expect(g.Properties!.RetentionInDays).toBe(30);
  });

  it('pages someone on ROLLBACK_FAILED: a rule on the bus sends RollbackFailed to an encrypted alerts topic, and an alarm on the rule fires to it', () => {
    const [ruleId, rule] = rules().find(
      ([, r]) =>
        JSON.stringify((r.Properties!.EventPattern as Record<string, unknown> | undefined)?.['detail-type']) ===
        '["RollbackFailed"]',
    )!;
    const ruleName = rule.Properties!.Name as string;
    expect(rule.Properties!.EventPattern).toEqual({ source: ['faultline'], 'detail-type': ['RollbackFailed'] });
    expect(rule.Properties!.EventBusName).toEqual({ Ref: 'Bus' });
    const [target] = rule.Properties!.Targets as { Arn: unknown; DeadLetterConfig?: unknown }[];
    const topicId = (target!.Arn as { Ref: string }).Ref;
    const topic = template.Resources[topicId]!;
    expect(topic.Type).toBe('AWS::SNS::Topic');
    // A key of the stack: EventBridge and CloudWatch cannot use the AWS managed alias/aws/sns.
    const keyId = (topic.Properties!.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(template.Resources[keyId]!.Type).toBe('AWS::KMS::Key');
    const keyStatements = template.Resources[keyId]!.Properties!.KeyPolicy.Statement as Array<{
      Principal: unknown;
      Action: unknown;
    }>;
    expect(keyStatements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: ['events.amazonaws.com', 'cloudwatch.amazonaws.com'] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );

    const [, policy] = resourcesOfType('AWS::SNS::TopicPolicy').find(
      ([, p]) => JSON.stringify(p.Properties!.Topics) === JSON.stringify([{ Ref: topicId }]),
    )!;
    expect(policy.Properties!.PolicyDocument.Statement).toContainEqual({
      Sid: 'RollbackFailedRulePublishes',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: topicId },
      Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
    });

    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties!.MetricName === 'TriggeredRules',
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({
      Namespace: 'AWS/Events',
      Dimensions: [
        { Name: 'EventBusName', Value: { Ref: 'Bus' } },
        { Name: 'RuleName', Value: ruleName },
      ],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
    expect(template.Outputs!.AlertsTopicArn).toMatchObject({ Value: { Ref: topicId } });
  });

  it('has a private, encrypted, versioned report bucket whose reports expire after the retention days, kept when the stack goes', () => {
    // The other bucket is the framework's own, which serverless deploys its artifacts to.
    expect(resourcesOfType('AWS::S3::Bucket').map(([id]) => id)).toEqual([
      'ServerlessDeploymentBucket',
      'ReportBucket',
    ]);
    const bucket = template.Resources.ReportBucket!;
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const p = bucket.Properties!;
    expect(p.BucketName).toBeUndefined();
    expect(p.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'expire-reports',
        Status: 'Enabled',
        ExpirationInDays: 90,
        NoncurrentVersionExpiration: { NoncurrentDays: 90 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
      { Id: 'remove-expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
    ]);
    expect(template.Outputs!.ReportBucketName).toMatchObject({ Value: { Ref: 'ReportBucket' } });
  });

  it('refuses every request to the report bucket and its objects that does not come over TLS', () => {
    const policies = resourcesOfType('AWS::S3::BucketPolicy').filter(
      ([, p]) => JSON.stringify(p.Properties!.Bucket) === '{"Ref":"ReportBucket"}',
    );
    expect(policies).toHaveLength(1);
    const policy = policies[0]![1].Properties!;
    expect(policy.Bucket).toEqual({ Ref: 'ReportBucket' });
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'TlsRequestsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [{ 'Fn::GetAtt': ['ReportBucket', 'Arn'] }, { 'Fn::Sub': '${ReportBucket.Arn}/*' }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  it('runs the report function on ExperimentCompleted and GameDayCompleted, with the bucket, the metric queries and a role that reads the table, records series and writes reports only', () => {
    const fn = template.Resources.ReportLambdaFunction!.Properties!;
    expect(fn.Environment.Variables.REPORT_BUCKET).toEqual({ Ref: 'ReportBucket' });
    // The series' CloudWatch queries, as prepare and observe have them.
    expect(fn.Environment.Variables.METRIC_QUERIES).toBeDefined();
    for (const other of ['PrepareLambdaFunction', 'ObserveLambdaFunction'])
      expect(fn.Environment.Variables.METRIC_QUERIES).toEqual(
        template.Resources[other]!.Properties!.Environment.Variables.METRIC_QUERIES,
      );
    const own = rules().filter(([, r]) => JSON.stringify(r.Properties?.Targets).includes('ReportLambdaFunction'));
    expect(own).toHaveLength(1);
    expect(own[0]![1].Properties!.EventPattern).toEqual({
      source: ['faultline'],
      'detail-type': ['ExperimentCompleted', 'GameDayCompleted'],
    });
    expect(own[0]![1].Properties!.EventBusName).toBeDefined();
    // No other function is given the bucket.
    for (const [id, f] of resourcesOfType('AWS::Lambda::Function'))
      if (id !== 'ReportLambdaFunction') expect(f.Properties!.Environment.Variables.REPORT_BUCKET).toBeUndefined();
    const statements = statementsOf(template)
      .filter((st) => st.role === roleOf('ReportLambdaFunction'))
      .map(({ role: _role, ...st }) => st);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: {
          'Fn::Sub':
            'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/faultline-ci-report:*',
        },
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: [{ 'Fn::GetAtt': ['Table', 'Arn'] }, { 'Fn::Sub': '${Table.Arn}/index/gsi1' }],
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: { 'Fn::GetAtt': ['Table', 'Arn'] },
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXEC#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'body', 'storedAt'] },
        },
      },
      { Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: [{ 'Fn::Sub': '${ReportBucket.Arn}/reports/*' }, { 'Fn::Sub': '${ReportBucket.Arn}/gamedays/*' }],
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['ReportDeadLetterQueue', 'Arn'] } },
    ]);
    // No other role may touch the bucket.
    for (const st of statementsOf(template))
      if (st.role !== roleOf('ReportLambdaFunction')) expect(JSON.stringify(st)).not.toMatch(/s3:|ReportBucket/);
  });

  it('has a dashboard with the verdicts, the alarm-to-revert time, the failed reverts and every dead-letter queue', () => {
    expect(resourcesOfType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
    expect(dashboardProblems(template)).toEqual([]);
    const body = dashboardBody(template)!;
    expect(body.widgets.filter((w) => w.type === 'metric').map((w) => w.properties.title)).toEqual([
      'Experiments completed by verdict',
      'Stop-condition alarm to revert (seconds)',
      'Failed reverts',
      'Dead-letter queues: messages waiting',
    ]);
    expect(template.Outputs!.DashboardName).toMatchObject({ Value: { Ref: 'Dashboard' } });
  });

  it('the dashboard check reports a dead-letter queue left out, a queue it does not know, and a metric of another name', () => {
    const withBody = (change: (text: string) => string) => {
      const copy = structuredClone(template);
      const body = copy.Resources.Dashboard!.Properties!.DashboardBody as { 'Fn::Sub': string };
      body['Fn::Sub'] = change(body['Fn::Sub']);
      return copy;
    };
    const withoutReportQueue = withBody((text) =>
      text
        .split('\n')
        .filter((line) => !line.includes('${ReportDeadLetterQueue.QueueName}'))
        .join('\n'),
    );
    expect(dashboardProblems(withoutReportQueue)).toEqual(['dead-letter queue ReportDeadLetterQueue has no widget']);

    const extraQueue = structuredClone(template);
    extraQueue.Resources.ExtraDeadLetterQueue = { Type: 'AWS::SQS::Queue', Properties: {} };
    expect(dashboardProblems(extraQueue)).toEqual(['dead-letter queue ExtraDeadLetterQueue has no widget']);

    const renamed = withBody((text) =>
      text.replaceAll('"FailedReverts"', '"FailedRevert"').replaceAll('"Verdict", "FAILED"', '"Verdict", "FAIL"'),
    );
    expect(dashboardProblems(renamed)).toEqual([
      `no widget shows ${METRIC_NAMESPACE} ExperimentsCompleted {"service":"faultline-ci","Verdict":"FAILED"}`,
      `no widget shows ${METRIC_NAMESPACE} FailedReverts {"service":"faultline-ci"}`,
    ]);
  });

  it("ships the charting library's files in the report function's zip only, and its bundled handler renders with them", async () => {
    const entries = zipEntries(readFileSync(join(dir, 'report.zip')));
    const files = new Map(entries.map((e) => [e.name, e.data]));
    const assets = [
      'node_modules/uplot/package.json',
      'node_modules/uplot/dist/uPlot.iife.min.js',
      'node_modules/uplot/dist/uPlot.min.css',
    ];
    expect([...files.keys()].sort()).toEqual(['functions/report/handler.js', ...assets].sort());
    for (const asset of assets)
      expect(files.get(asset)!.equals(readFileSync(join(__dirname, '../..', asset)))).toBe(true);
    for (const zip of readdirSync(dir).filter((f) => f.endsWith('.zip') && f !== 'report.zip'))
      expect({ zip, uplot: zipEntries(readFileSync(join(dir, zip))).some((e) => e.name.includes('uplot')) }).toEqual({
        zip,
        uplot: false,
      });

    const run = await runBundledReport(entries);
    expect(run.code).toBe(0);
    const html = run.puts.find((p) => p.path.endsWith('/report.html'))!;
    expect(run.puts.map((p) => [p.path, p.contentType])).toEqual([
      [`/${BUNDLE_BUCKET}/reports/bundle-check/${BUNDLE_EXECUTION}/report.html`, 'text/html; charset=utf-8'],
      [`/${BUNDLE_BUCKET}/reports/bundle-check/${BUNDLE_EXECUTION}/junit.xml`, 'application/xml; charset=utf-8'],
      [`/${BUNDLE_BUCKET}/reports/bundle-check/${BUNDLE_EXECUTION}/result.json`, 'application/json; charset=utf-8'],
    ]);
    // The page inlines the library the zip carries.
    expect(html.body).toContain(files.get('node_modules/uplot/dist/uPlot.iife.min.js')!.toString('utf8').trim());
    expect(html.body).toContain(
      `uPlot ${JSON.parse(files.get('node_modules/uplot/package.json')!.toString()).version}`,
    );
    // The metrics, in embedded metric format on standard output.
    const emf = run.stdout
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line));
    expect(emf[0]).toMatchObject({ service: 'faultline-ci', Verdict: 'PASSED', ExperimentsCompleted: 1 });

    // Without the files in the package, the same handler cannot render: it read the zip's copy.
    const stripped = await runBundledReport(entries.filter((e) => !e.name.startsWith('node_modules/uplot/')));
    expect(stripped.code).not.toBe(0);
    expect(stripped.stderr).toMatch(/uplot/);
    expect(stripped.puts).toEqual([]);
  }, 60_000);

  it("bundles each function separately, each within 100 KB zipped (the SDK is the runtime's)", () => {
    const zips = readdirSync(dir).filter((f) => f.endsWith('.zip'));
    expect(zips.length).toBe(resourcesOfType('AWS::Lambda::Function').length);
    const over = zips.filter((zip) => statSync(join(dir, zip)).size > 100 * 1024);
    expect(over).toEqual([]);
  });
});
