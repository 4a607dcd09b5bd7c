import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GameDayDue } from '../../events';
import { deliveryDefinitions } from '../../shared/delivery/definitions';
import { localDeliveryExtras } from '../../local/delivery';
import { parseSuiteText } from '../../shared/delivery/suite-file';
import { matchesPattern } from '../../local/event-pattern';
import { loadFunctionRules } from '../../local/rules';

const ROOT = join(__dirname, '../..');
const tags = ['Ref', 'Sub', 'GetAtt'].flatMap((name) =>
  (['scalar', 'seq', 'map'] as const).map((collection) => ({
    tag: `!${name}`,
    collection: collection === 'scalar' ? undefined : collection,
    resolve: (value: unknown) => ({ [name]: value }),
  })),
);
// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary nested properties of the stack's resources
type Resource = { Type: string; Properties: Record<string, any> };
const stack = parseYaml(readFileSync(join(ROOT, 'stack/delivery.yml'), 'utf8'), { customTags: tags as never }) as {
  Resources: Record<string, Resource>;
};
const statements = (role: string) =>
  stack.Resources[role]!.Properties.Policies.flatMap(
    (p: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } }) =>
      p.PolicyDocument.Statement.map((st) => ({ ...st, Action: ([] as string[]).concat(st.Action) })),
  );

describe('stack/delivery.yml', () => {
  const schedules = Object.entries(stack.Resources).filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');

  it('declares game-day schedules whose input is a valid GameDayDue, with the cron and time zone of the schedule itself', () => {
    expect(schedules.length).toBeGreaterThan(0);
    for (const [, schedule] of schedules) {
      const p = schedule.Properties;
      expect(p.Target.EventBridgeParameters).toEqual({ Source: 'faultline', DetailType: 'GameDayDue' });
      const input = String(p.Target.Input)
        .replace(/\$\{self:custom\.stage\}/g, 'ci')
        .replace('<aws.scheduler.scheduled-time>', '2026-11-30T01:00:00Z');
      const detail = GameDayDue.schema.parse(JSON.parse(input));
      expect(p.ScheduleExpression).toBe(`cron(${detail.suite.schedule!.cron})`);
      expect(p.ScheduleExpressionTimezone).toBe(detail.suite.schedule!.timezone);
      expect(p.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    }
  });

  it('the example schedule carries examples/suites/nightly-checkout.yml', () => {
    const [, schedule] = schedules.find(([name]) => name === 'NightlyCheckoutGameDaySchedule')!;
    const input = JSON.parse(
      String(schedule.Properties.Target.Input)
        .replace(/\$\{self:custom\.stage\}/g, 'ci')
        .replace('<aws.scheduler.scheduled-time>', '2026-11-30T01:00:00Z'),
    );
    expect(GameDayDue.schema.parse(input).suite).toEqual(
      parseSuiteText(readFileSync(join(ROOT, 'examples/suites/nightly-checkout.yml'), 'utf8')),
    );
  });

  it('grants PutJobSuccessResult / PutJobFailureResult on "*" (no resource-level permissions) to the gate only', () => {
    const jobResults = statements('PipelineGateRole').filter((s: { Action: string[] }) =>
      s.Action.some((a) => a.startsWith('codepipeline:')),
    );
    expect(jobResults).toEqual([
      {
        Effect: 'Allow',
        Action: ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'],
        Resource: '*',
      },
    ]);
    for (const role of ['PipelineTriggerRole', 'GameDayRole', 'PipelineRollbackRole']) {
      expect(JSON.stringify(statements(role))).not.toContain('PutJob');
    }
  });

  it('RollbackStage / StopPipelineExecution only on pipelines of this account and region', () => {
    const pipelineStatements = statements('PipelineRollbackRole').filter((s: { Action: string[] }) =>
      s.Action.some((a) => a.startsWith('codepipeline:')),
    );
    expect(pipelineStatements).toHaveLength(1);
    expect(pipelineStatements[0].Action).toEqual([
      'codepipeline:RollbackStage',
      'codepipeline:StopPipelineExecution',
      'codepipeline:ListPipelineExecutions',
    ]);
    expect(pipelineStatements[0].Resource).toEqual({
      Sub: 'arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${env:FAULTLINE_PIPELINE_ARN_PATTERN, "*"}',
    });
  });

  it('the gate has no on-failure destination (it would keep the job, artifactCredentials included) and no queue to write to', () => {
    const configs = Object.values(stack.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::EventInvokeConfig' &&
        JSON.stringify(r.Properties.FunctionName).includes('PipelineGate'),
    );
    for (const config of configs) expect(config.Properties.DestinationConfig).toBeUndefined();
    expect(JSON.stringify(statements('PipelineGateRole'))).not.toContain('sqs:');
    expect(Object.keys(stack.Resources).filter((name) => name.startsWith('PipelineGateDeadLetter'))).toEqual([]);
  });

  it('the roles of the functions EventBridge invokes may write to their own dead-letter queue only', () => {
    for (const name of ['PipelineTrigger', 'PipelineRollback', 'GameDay']) {
      const grants = statements(`${name}Role`).filter((s: { Action: string[] }) =>
        s.Action.some((a) => a.startsWith('sqs:')),
      );
      expect(grants).toEqual([
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { GetAtt: `${name}DeadLetterQueue.Arn` } },
      ]);
    }
  });

  it('every dead-letter queue of a rule has the policy EventBridge needs and a depth alarm', () => {
    for (const name of ['PipelineTrigger', 'PipelineRollback', 'GameDay']) {
      expect(stack.Resources[`${name}DeadLetterQueue`]?.Type).toBe('AWS::SQS::Queue');
      expect(stack.Resources[`${name}DeadLetterQueuePolicy`]?.Type).toBe('AWS::SQS::QueuePolicy');
      expect(stack.Resources[`${name}DeadLetterAlarm`]?.Type).toBe('AWS::CloudWatch::Alarm');
    }
  });
});

describe("serverless.yml's rules for the delivery functions agree with their routes", () => {
  const rules = loadFunctionRules(join(ROOT, 'serverless.yml'));
  const definitions = deliveryDefinitions(localDeliveryExtras());

  it.each(Object.values(definitions).map((d) => [d.name, d] as const))('%s', (name, definition) => {
    const own = rules.filter((r) => r.functionName === name);
    expect(own.length).toBeGreaterThan(0);
    for (const route of definition.routes) {
      const fixture =
        route.contract.source === 'faultline'
          ? route.contract.entry(route.contract.fixture as never).detail
          : route.contract.fixture;
      const detail =
        route.contract.detailType === 'ExperimentCompleted'
          ? {
              ...fixture,
              verdict: 'FAILED',
              trigger:
                name === 'gameDay'
                  ? { type: 'gameday', gameDay: { suite: 's', runId: 'r' } }
                  : (fixture as { trigger: unknown }).trigger,
            }
          : fixture;
      const event = {
        version: '0',
        id: 'x',
        'detail-type': route.contract.detailType,
        source: route.contract.source,
        account: '1',
        time: '2026-11-29T10:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail,
      };
      expect(own.some((r) => matchesPattern(r.pattern, event))).toBe(true);
    }
  });

  it('a PASSED pipeline result does not wake pipelineRollback; a pipeline result does not wake gameDay', () => {
    const { ExperimentCompleted } = require('../../events') as typeof import('../../events');
    const event = {
      version: '0',
      id: 'x',
      'detail-type': 'ExperimentCompleted',
      source: 'faultline',
      account: '1',
      time: '2026-11-29T10:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: ExperimentCompleted.entry(ExperimentCompleted.fixture).detail,
    };
    expect(rules.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.functionName)).not.toContain(
      'pipelineRollback',
    );
    expect(rules.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.functionName)).not.toContain('gameDay');
  });
});
