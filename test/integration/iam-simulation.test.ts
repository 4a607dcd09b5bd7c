import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { driveFunctions, FLEET, WORLD, type DriveResult } from '../../testing/iam-drive';
import {
  checkIam,
  DOCUMENT_COMMANDS,
  renderIamTable,
  worldOf,
  type CheckResult,
  type World,
} from '../../testing/iam-model';
import { disposePackagedStack, packageStack, type CloudFormationTemplate } from '../../testing/package-stack';

/**
 * Every AWS call each function's code makes, simulated against that function's role in the packaged
 * template (@cloud-copilot/iam-simulate, a test-only dependency), plus the negatives: fault actions
 * refused on untagged resources, with foreign SSM documents, and to functions that neither inject
 * nor revert. docs/iam.md is the table of the same data.
 */

const root = join(__dirname, '..', '..');
const world: World = worldOf(WORLD, FLEET);

/** `new XxxCommand(` in the shipped code under shared/ (the embedded runtime's own table set-up excepted). */
const commandsInSource = (files: readonly { path: string; text: string }[]): Map<string, string[]> => {
  const found = new Map<string, string[]>();
  for (const { path, text } of files) {
    for (const match of text.matchAll(/new ([A-Z][A-Za-z0-9]*)Command\(/g)) {
      const name = DOCUMENT_COMMANDS[match[1]!] ?? match[1]!;
      found.set(name, [...(found.get(name) ?? []), path]);
    }
  }
  return found;
};

const sourceFiles = (dir: string): { path: string; text: string }[] =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return path.endsWith(join('shared', 'local')) ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [{ path: path.slice(root.length + 1), text: readFileSync(path, 'utf8') }] : [];
  });

/** Commands of the source that no recorded call issued. */
const unrecorded = (source: Map<string, string[]>, calls: DriveResult['calls']): string[] => {
  const recorded = new Set(calls.map((c) => c.command));
  return [...source.entries()]
    .filter(([name]) => !recorded.has(name))
    .map(([name, paths]) => `${name} (${paths.join(', ')})`);
};

const byFunction = (calls: DriveResult['calls']): Record<string, string[]> => {
  const out: Record<string, Set<string>> = {};
  for (const c of calls) (out[c.fn] ??= new Set()).add(`${c.service}:${c.command}`);
  return Object.fromEntries(Object.entries(out).map(([fn, set]) => [fn, [...set].sort()]));
};

/** A deep copy of the template with one role's policy statements changed. */
const withStatements = (
  template: CloudFormationTemplate,
  role: string,
  change: (statements: Record<string, unknown>[]) => Record<string, unknown>[],
): CloudFormationTemplate => {
  const copy = structuredClone(template);
  const policy = copy.Resources[role]!.Properties!.Policies[0].PolicyDocument as {
    Statement: Record<string, unknown>[];
  };
  policy.Statement = change(policy.Statement);
  return copy;
};

describe('IAM: every call the code makes, simulated against its role', () => {
  let drive: DriveResult;
  let template: CloudFormationTemplate;
  let checked: CheckResult;

  beforeAll(async () => {
    drive = await driveFunctions();
    ({ template } = packageStack());
    checked = await checkIam(template, drive.calls, world);
  }, 300_000);
  afterAll(() => disposePackagedStack());

  it('drives every scenario through the real handlers to its end', () => {
    expect(drive.errors).toEqual({});
    const tail = ['ObservationWindowElapsed', 'ObservationCompleted', 'FaultReverted'];
    expect(drive.flows.host).toEqual([
      'ExperimentRequested',
      'ExperimentStarted',
      'FaultInjected',
      ...tail,
      'RecoveryConfirmed',
      'ExperimentCompleted',
    ]);
    for (const scenario of ['instances', 'databases', 'writer-reboot', 'fis-by-id']) {
      expect(drive.flows[scenario]!.slice(0, 6)).toEqual([
        'ExperimentRequested',
        'ExperimentStarted',
        'FaultInjected',
        ...tail,
      ]);
      expect(drive.flows[scenario]!.at(-1)).toBe('ExperimentCompleted');
    }
    expect(drive.flows['host-failure']!.slice(0, 4)).toEqual([
      'ExperimentRequested',
      'ExperimentStarted',
      'InjectionFailed',
      'FaultReverted',
    ]);
    expect(drive.flows['fis-guard']!.slice(0, 6)).toEqual([
      'ExperimentRequested',
      'ExperimentStarted',
      'FaultInjected',
      'CloudWatch Alarm State Change',
      'SafetyViolated',
      'FaultReverted',
    ]);
    expect(drive.flows['pipeline-trigger']!.slice(0, 2)).toEqual([
      'CodePipeline Stage Execution State Change',
      'ExperimentRequested',
    ]);
    expect(drive.flows['game-day']!.at(-1)).toBe('GameDayCompleted');
  });

  it("records each function's SDK commands", () => {
    const table = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
    expect(byFunction(drive.calls)).toEqual({
      prepare: [
        'cloudwatch:DescribeAlarms',
        'cloudwatch:GetMetricData',
        ...table,
        'ec2:DescribeInstances',
        'events:PutEvents',
        'fis:GetExperimentTemplate',
        'fis:ListExperimentTemplates',
        'rds:DescribeDBClusters',
        'rds:DescribeDBInstances',
      ],
      // Every function that journals queries the journal's head (the hash chain, shared/store/journal.ts).
      inject: [
        ...table,
        'ec2:DescribeInstances',
        'ec2:RebootInstances',
        'ec2:StopInstances',
        'ec2:TerminateInstances',
        'events:PutEvents',
        'fis:GetExperiment',
        'fis:ListExperiments',
        'fis:StartExperiment',
        'fis:StopExperiment',
        'rds:DescribeDBClusters',
        'rds:FailoverDBCluster',
        'rds:RebootDBInstance',
        'scheduler:CreateSchedule',
        'ssm:CancelCommand',
        'ssm:ListCommandInvocations',
        'ssm:SendCommand',
      ],
      observe: [
        'cloudwatch:DescribeAlarms',
        'cloudwatch:GetMetricData',
        ...table,
        'events:PutEvents',
        'scheduler:CreateSchedule',
      ],
      guard: [...table, 'events:PutEvents'],
      revert: [
        ...table,
        'ec2:DescribeInstances',
        'ec2:StartInstances',
        'events:PutEvents',
        'fis:GetExperiment',
        'fis:ListExperiments',
        'fis:StopExperiment',
        'scheduler:DeleteSchedule',
        'ssm:CancelCommand',
        'ssm:ListCommandInvocations',
        'ssm:SendCommand',
      ],
      recover: [
        'autoscaling:DescribeAutoScalingGroups',
        ...table,
        'ec2:DescribeInstances',
        'elasticloadbalancing:DescribeTargetHealth',
        'events:PutEvents',
        'rds:DescribeDBClusters',
        'rds:DescribeDBInstances',
        'scheduler:CreateSchedule',
      ],
      validate: ['dynamodb:DeleteItem', ...table, 'events:PutEvents', 'scheduler:DeleteSchedule'],
      sweeper: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      pipelineTrigger: [...table, 'events:PutEvents'],
      pipelineGate: [
        'codepipeline:PutJobFailureResult',
        'codepipeline:PutJobSuccessResult',
        ...table,
        'events:PutEvents',
      ],
      pipelineRollback: [
        'codepipeline:ListPipelineExecutions',
        'codepipeline:RollbackStage',
        'codepipeline:StopPipelineExecution',
        ...table,
      ],
      gameDay: [...table, 'events:PutEvents'],
      report: ['cloudwatch:GetMetricData', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 's3:PutObject'],
    });
  });

  it("records the report function's PutObject calls: the report bucket, keys under reports/ and gamedays/, their content and type", () => {
    const puts = drive.calls.filter((c) => c.fn === 'report' && c.command === 'PutObject').map((c) => c.input);
    const TYPES: Record<string, string> = {
      html: 'text/html; charset=utf-8',
      xml: 'application/xml; charset=utf-8',
      json: 'application/json; charset=utf-8',
    };
    expect(puts.length).toBeGreaterThan(10);
    for (const input of puts) {
      expect(Object.keys(input).sort()).toEqual(['Body', 'Bucket', 'ContentType', 'Key', 'ServerSideEncryption']);
      expect(input).toMatchObject({ Bucket: WORLD.reportBucket, ServerSideEncryption: 'AES256' });
      const key = String(input.Key);
      expect(key).toMatch(
        /^(reports\/[a-z0-9-]+\/[0-9a-f-]{36}|gamedays\/[a-z0-9-]+\/[0-9a-f-]{36})\/(report\.html|index\.html|junit\.xml|result\.json)$/,
      );
      expect(input.ContentType).toBe(TYPES[key.split('.').at(-1)!]);
    }
    // The host scenario's execution: its three reports, as the result document and the renderers make them.
    const executionId = (id: string) =>
      puts
        .map((p) => String(p.Key))
        .find((k) => k.startsWith(`reports/${id}/`))!
        .split('/')[2]!;
    const host = executionId('iam-host');
    const bodyOf = (key: string) => String(puts.find((p) => p.Key === key)!.Body);
    expect(puts.filter((p) => String(p.Key).startsWith(`reports/iam-host/${host}/`)).map((p) => p.Key)).toEqual([
      `reports/iam-host/${host}/report.html`,
      `reports/iam-host/${host}/junit.xml`,
      `reports/iam-host/${host}/result.json`,
    ]);
    expect(bodyOf(`reports/iam-host/${host}/report.html`)).toMatch(/^<!doctype html>/i);
    expect(bodyOf(`reports/iam-host/${host}/report.html`)).toContain('uPlot');
    expect(bodyOf(`reports/iam-host/${host}/junit.xml`)).toMatch(/^<\?xml version="1.0"/);
    expect(JSON.parse(bodyOf(`reports/iam-host/${host}/result.json`))).toMatchObject({
      executionId: host,
      experimentId: 'iam-host',
      status: 'COMPLETED',
    });
    // The game day's index, JUnit report and JSON.
    const gameDay = puts.map((p) => String(p.Key)).filter((k) => k.startsWith('gamedays/iam-nightly/'));
    const runId = gameDay[0]!.split('/')[2];
    expect(gameDay).toEqual(
      ['index.html', 'junit.xml', 'result.json'].map((f) => `gamedays/iam-nightly/${runId}/${f}`),
    );
  });

  it("records the report function's series: GetMetricData over each execution, then the conditional PutItem of its SERIES item", () => {
    const of = (command: string) => drive.calls.filter((c) => c.fn === 'report' && c.command === command);
    const reads = of('GetMetricData').map((c) => c.input);
    const puts = of('PutItem').map((c) => c.input);
    const sk = (input: Record<string, unknown>) => (input.Item as Record<string, unknown>).sk;
    const writes = puts.filter((input) => sk(input) === 'SERIES');
    // The other puts: the mark that counts each execution in the metrics once, keys and time only.
    const marks = puts.filter((input) => sk(input) !== 'SERIES');
    expect(marks.length).toBeGreaterThan(5);
    for (const input of marks) {
      expect(input).toMatchObject({ TableName: 'faultline-ci', ConditionExpression: 'attribute_not_exists(pk)' });
      expect(sk(input)).toBe('MARK#metrics');
      expect(Object.keys(input.Item as object).sort()).toEqual(['pk', 'sk', 'storedAt']);
    }
    expect(writes.length).toBeGreaterThan(5);
    // The document client's input, as the recorder sees it: attribute values not yet marshalled.
    const value = (v: unknown) => {
      expect(typeof v).toBe('string');
      return v as string;
    };
    // Each execution is recorded once (a duplicate delivery reads it back).
    const ids = writes.map((input) => value((input.Item as Record<string, unknown>).pk));
    expect(new Set(ids).size).toBe(ids.length);
    // One measurement per execution that lasted: the seeded pipeline runs, requested and completed
    // at the same instant, have an empty window, which is recorded as measuring nothing, asking nothing.
    const bodies = writes.map(
      (input) =>
        JSON.parse(value((input.Item as Record<string, unknown>).body)) as {
          from: string;
          to: string;
          unavailable?: string;
        },
    );
    const lasted = bodies.filter((b) => b.to > b.from);
    expect(lasted.length).toBeGreaterThan(5);
    expect(reads).toHaveLength(lasted.length);
    for (const b of bodies.filter((x) => x.to <= x.from))
      expect(b.unavailable).toBe('the metrics source measured nothing for this template');
    writes.forEach((input) => {
      const item = input.Item as Record<string, unknown>;
      expect(Object.keys(input).sort()).toEqual(['ConditionExpression', 'Item', 'TableName']);
      expect(input).toMatchObject({ TableName: 'faultline-ci', ConditionExpression: 'attribute_not_exists(pk)' });
      expect(Object.keys(item).sort()).toEqual(['body', 'pk', 'sk', 'storedAt']);
      expect(value(item.pk)).toMatch(/^EXEC#[0-9a-f-]{36}$/);
      expect(value(item.sk)).toBe('SERIES');
      expect(value(item.storedAt)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });
    lasted.forEach((body, i) => {
      // The query set of METRIC_QUERIES (the drive's default), per minute, from the execution's first moment to its end.
      expect(reads[i]).toEqual({
        MetricDataQueries: [
          {
            Id: 'requests',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ApplicationELB',
                MetricName: 'RequestCount',
                Dimensions: [{ Name: 'LoadBalancer', Value: 'app/web/1' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
            ReturnData: true,
          },
        ],
        StartTime: new Date(body.from),
        EndTime: new Date(body.to),
        ScanBy: 'TimestampAscending',
      });
    });
  });

  it('records the exact parameters of the fault calls', () => {
    // Distinct inputs (the sweeper scenario runs the instances template a second time).
    const of = (fn: string, command: string) =>
      [
        ...new Set(drive.calls.filter((c) => c.fn === fn && c.command === command).map((c) => JSON.stringify(c.input))),
      ].map((t) => JSON.parse(t) as Record<string, unknown>);
    expect(of('inject', 'StopInstances')).toEqual([{ InstanceIds: [FLEET.instances[0].id] }]);
    expect(of('inject', 'TerminateInstances')).toEqual([{ InstanceIds: [FLEET.instances[1].id] }]);
    expect(of('revert', 'StartInstances')).toEqual([{ InstanceIds: [FLEET.instances[0].id] }]);
    expect(of('inject', 'FailoverDBCluster')).toEqual([{ DBClusterIdentifier: 'orders-db' }]);
    expect(of('inject', 'RebootDBInstance')).toEqual(
      expect.arrayContaining([
        { DBInstanceIdentifier: 'ledger-db', ForceFailover: false },
        { DBInstanceIdentifier: 'orders-db-1', ForceFailover: false },
      ]),
    );
    for (const input of [...of('inject', 'SendCommand'), ...of('revert', 'SendCommand')]) {
      expect(input).toMatchObject({ DocumentName: 'faultline-ci-cpu-stress', InstanceIds: [FLEET.instances[3].id] });
    }
    for (const input of of('inject', 'StartExperiment')) {
      expect(input).toMatchObject({
        experimentTemplateId: FLEET.fisTemplates[0].id,
        tags: { 'faultline:target': 'true' },
      });
    }
    for (const input of [
      ...of('inject', 'CreateSchedule'),
      ...of('observe', 'CreateSchedule'),
      ...of('recover', 'CreateSchedule'),
    ]) {
      expect(input).toMatchObject({
        GroupName: 'faultline-ci',
        Target: { RoleArn: 'arn:aws:iam::123456789012:role/faultline-ci-SchedulerRole' },
      });
    }
    for (const call of drive.calls.filter((c) => c.service === 'dynamodb'))
      expect(call.input.TableName).toBe('faultline-ci');
  });

  it('covers every SDK command the shipped code can send (static cross-check)', () => {
    const source = commandsInSource(sourceFiles(join(root, 'shared')));
    expect(source.size).toBeGreaterThan(30);
    expect(unrecorded(source, drive.calls)).toEqual([]);
    // A command the drive never issued is reported.
    const broken = commandsInSource([
      { path: 'shared/aws/x.ts', text: 'await ec2.send(new CreateSnapshotCommand({}));' },
    ]);
    expect(unrecorded(broken, drive.calls)).toEqual(['CreateSnapshot (shared/aws/x.ts)']);
  });

  it("allows every recorded call by its function's role, and no fault action where it must not be", () => {
    expect(checked.findings).toEqual([]);
    expect(checked.faultFunctions).toEqual(['inject', 'revert']);
    expect(checked.simulated).toBeGreaterThan(100);
  });

  it('fails on a role that grants a fault action on "*" to observe', async () => {
    const broken = withStatements(template, 'ObserveRole', (s) => [
      ...s,
      { Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*' },
    ]);
    const result = await checkIam(broken, drive.calls, world);
    expect(result.findings.map((f) => `${f.kind} ${f.fn} ${f.action} ${f.resource}`)).toEqual([
      'over-grant observe ec2:TerminateInstances arn:aws:ec2:eu-west-1:123456789012:instance/i-0untagged000000001',
      'over-grant observe ec2:TerminateInstances arn:aws:ec2:eu-west-1:123456789012:instance/i-0untagged000000001',
      'over-grant observe ec2:TerminateInstances arn:aws:ec2:eu-west-1:123456789012:instance/i-0tagged0000000001',
    ]);
  });

  it('fails on an inject role without a needed action, and on SendCommand with any document', async () => {
    const withoutFailover = withStatements(template, 'InjectRole', (s) =>
      s.map((st) =>
        JSON.stringify(st.Action).includes('rds:FailoverDBCluster') ? { ...st, Action: ['rds:RebootDBInstance'] } : st,
      ),
    );
    const refused = (await checkIam(withoutFailover, drive.calls, world)).findings;
    expect(refused.map((f) => `${f.kind} ${f.fn} ${f.action} ${f.resource}`)).toEqual([
      'refused inject rds:FailoverDBCluster arn:aws:rds:eu-west-1:123456789012:cluster:orders-db',
    ]);

    const anyDocument = withStatements(template, 'RevertRole', (s) => [
      ...s,
      { Effect: 'Allow', Action: 'ssm:SendCommand', Resource: 'arn:aws:ssm:*:*:document/*' },
    ]);
    const foreign = (await checkIam(anyDocument, drive.calls, world)).findings;
    expect(foreign.map((f) => `${f.kind} ${f.fn} ${f.detail}`)).toEqual([
      "over-grant revert allowed on another account's document of the same name",
      'over-grant revert allowed on a document of this account outside the stack prefix',
    ]);

    const untagged = withStatements(template, 'InjectRole', (s) =>
      s.map((st) => {
        if (!JSON.stringify(st.Action).includes('ec2:StopInstances')) return st;
        const { Condition: _dropped, ...rest } = st;
        return rest;
      }),
    );
    const overGrants = (await checkIam(untagged, drive.calls, world)).findings;
    expect(new Set(overGrants.map((f) => `${f.kind} ${f.fn} ${f.action} ${f.detail}`))).toEqual(
      new Set(
        ['ec2:TerminateInstances', 'ec2:StopInstances', 'ec2:RebootInstances', 'ec2:StartInstances'].flatMap((a) => [
          `over-grant inject ${a} allowed on instance without the target tag`,
          `over-grant inject ${a} allowed on instance with faultline:target=false`,
        ]),
      ),
    );
  });

  it('fails on a report role that may write anywhere in the bucket or delete reports, and on another role that may write reports', async () => {
    const bucket = `arn:aws:s3:::${WORLD.reportBucket}`;
    const anywhere = withStatements(template, 'ReportRole', (s) => [
      ...s,
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `${bucket}/*` },
    ]);
    expect(
      (await checkIam(anywhere, drive.calls, world)).findings.map((f) => `${f.kind} ${f.fn} ${f.action} ${f.resource}`),
    ).toEqual([
      `over-grant report s3:PutObject ${bucket}/index.html`,
      `over-grant report s3:PutObject ${bucket}/other/report.html`,
      `over-grant report s3:DeleteObject ${bucket}/reports/checkout/0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01/report.html`,
    ]);

    const writes = withStatements(template, 'ReportRole', (s) => [
      ...s,
      {
        Effect: 'Allow',
        Action: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: { 'Fn::GetAtt': ['Table', 'Arn'] },
      },
    ]);
    expect((await checkIam(writes, drive.calls, world)).findings.map((f) => `${f.kind} ${f.fn} ${f.action}`)).toEqual([
      'over-grant report dynamodb:UpdateItem',
      'over-grant report dynamodb:DeleteItem',
    ]);

    const gameDayWrites = withStatements(template, 'GameDayRole', (s) => [
      ...s,
      { Effect: 'Allow', Action: 's3:PutObject', Resource: `${bucket}/reports/*` },
    ]);
    expect(
      (await checkIam(gameDayWrites, drive.calls, world)).findings.map((f) => `${f.kind} ${f.fn} ${f.detail}`),
    ).toEqual(['over-grant gameDay allowed on a report, which only the report function writes']);
  });

  it("fails on a report role whose PutItem lacks its conditions: an execution's state, a lease's partition", async () => {
    const isPutItem = (st: Record<string, unknown>) => JSON.stringify(st.Action) === JSON.stringify('dynamodb:PutItem');
    expect(
      (
        template.Resources.ReportRole!.Properties!.Policies[0].PolicyDocument as {
          Statement: Record<string, unknown>[];
        }
      ).Statement.filter(isPutItem),
    ).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: { 'Fn::GetAtt': ['Table', 'Arn'] },
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXEC#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'body', 'storedAt'] },
        },
      },
    ]);
    const drop = (key: string) =>
      withStatements(template, 'ReportRole', (s) =>
        s.map((st) => {
          if (!isPutItem(st)) return st;
          const condition = { ...(st.Condition as Record<string, unknown>) };
          delete condition[key];
          return Object.keys(condition).length
            ? { ...st, Condition: condition }
            : { Effect: st.Effect, Action: st.Action, Resource: st.Resource };
        }),
      );
    const findings = async (broken: CloudFormationTemplate) =>
      (await checkIam(broken, drive.calls, world)).findings.map((f) => `${f.kind} ${f.fn} ${f.action} ${f.detail}`);
    const state =
      "over-grant report dynamodb:PutItem allowed on an execution's state, which the report function never writes";
    const lease =
      "over-grant report dynamodb:PutItem allowed on a lease's partition, where the report function puts nothing";
    expect(await findings(drop('ForAllValues:StringLike'))).toEqual([lease]);
    expect(await findings(drop('ForAllValues:StringEquals'))).toEqual([state]);
    const unconditioned = withStatements(template, 'ReportRole', (s) =>
      s.map((st) => (isPutItem(st) ? { Effect: st.Effect, Action: st.Action, Resource: st.Resource } : st)),
    );
    expect(await findings(unconditioned)).toEqual([state, lease]);
  });

  it('fails on a report role without PutObject under gamedays/', async () => {
    const reportsOnly = withStatements(template, 'ReportRole', (s) =>
      s.map((st) =>
        JSON.stringify(st.Action).includes('s3:PutObject')
          ? { ...st, Resource: { 'Fn::Sub': '${ReportBucket.Arn}/reports/*' } }
          : st,
      ),
    );
    const refused = (await checkIam(reportsOnly, drive.calls, world)).findings;
    expect(refused.map((f) => `${f.kind} ${f.fn} ${f.action}`)).toEqual([
      'refused report s3:PutObject',
      'refused report s3:PutObject',
      'refused report s3:PutObject',
    ]);
    expect(
      refused.every((f) => f.resource.startsWith(`arn:aws:s3:::${WORLD.reportBucket}/gamedays/iam-nightly/`)),
    ).toBe(true);
  });

  it('keeps docs/iam.md in step with the simulated calls (run npm run docs:iam)', () => {
    const expected = renderIamTable(checked.rows, world);
    expect(readFileSync(join(root, 'docs', 'iam.md'), 'utf8')).toBe(expected);
    // The table lists the fault actions with their tag condition.
    expect(expected).toContain(
      '| inject | ec2:TerminateInstances | arn:aws:ec2:<region>:<account>:instance/<id> tagged faultline:target=true |',
    );
  });
});
