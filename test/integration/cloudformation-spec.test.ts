import { existsSync } from 'node:fs';
import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import { formatProblem, loadSpec, validateTemplate } from '../support/cloudformation-spec';
import {
  disposePackagedStack,
  packageStack,
  packagingLeftovers,
  type CloudFormationTemplate,
} from '../../testing/package-stack';

// biome-ignore lint/suspicious/noExplicitAny: the tests break arbitrary nested properties of a template copy
type Mutable = { Resources: Record<string, any>; Conditions?: Record<string, unknown>; Outputs?: Record<string, any> };

describe('the packaged template against the CloudFormation resource specification', () => {
  let template: CloudFormationTemplate;
  let dir: string;
  let leftovers: string[];
  let db: SpecDatabase;
  let rule: string;
  beforeAll(async () => {
    ({ template, dir, leftovers } = packageStack());
    db = await loadSpec();
    rule = Object.keys(template.Resources).find(
      (id) =>
        template.Resources[id]!.Type === 'AWS::Events::Rule' &&
        template.Resources[id]!.Properties!.Targets[0].RetryPolicy,
    )!;
  }, 240_000);
  afterAll(() => disposePackagedStack());

  const idOf = (type: string) => Object.keys(template.Resources).find((id) => template.Resources[id]!.Type === type)!;
  /** The problems of a copy of the template that `change` broke. */
  const problemsAfter = (change: (t: Mutable) => void): string[] => {
    const copy = structuredClone(template) as Mutable;
    change(copy);
    return validateTemplate(copy, db).map(formatProblem);
  };

  it('has every resource type, property, attribute and name right', () => {
    expect(Object.keys(template.Resources).length).toBeGreaterThan(100);
    expect(validateTemplate(template, db).map(formatProblem)).toEqual([]);
  });

  it('reports an unknown resource type', () => {
    expect(problemsAfter((t) => (t.Resources.Extra = { Type: 'AWS::Events::Bus', Properties: { Name: 'x' } }))).toEqual(
      ['Extra Type: unknown resource type "AWS::Events::Bus"'],
    );
  });

  it('reports an unknown property, at the top and nested, and suggests the right spelling', () => {
    expect(problemsAfter((t) => (t.Resources.Bus.Properties.Colour = 'blue'))).toEqual([
      'Bus Properties.Colour: unknown property Colour of AWS::Events::EventBus',
    ]);
    expect(problemsAfter((t) => (t.Resources.Table.Properties.TimeToLiveSpecification.Attribute = 'ttl'))).toEqual([
      'Table Properties.TimeToLiveSpecification.Attribute: unknown property Attribute of TimeToLiveSpecification',
    ]);
    expect(
      problemsAfter((t) => (t.Resources.Table.Properties.Billingmode = t.Resources.Table.Properties.BillingMode)),
    ).toEqual([
      'Table Properties.Billingmode: unknown property Billingmode of AWS::DynamoDB::Table (did you mean BillingMode?)',
    ]);
  });

  it('reports a missing required property, at the top and nested', () => {
    expect(problemsAfter((t) => delete t.Resources.Table.Properties.KeySchema)).toEqual([
      'Table Properties.KeySchema: required property KeySchema of AWS::DynamoDB::Table is missing',
    ]);
    expect(problemsAfter((t) => delete t.Resources[rule].Properties.Targets[0].Id)).toEqual([
      `${rule} Properties.Targets[0].Id: required property Id of Target is missing`,
    ]);
  });

  it('reports a wrong primitive type in a nested property', () => {
    expect(
      problemsAfter((t) => (t.Resources[rule].Properties.Targets[0].RetryPolicy.MaximumRetryAttempts = 'four')),
    ).toEqual([`${rule} Properties.Targets[0].RetryPolicy.MaximumRetryAttempts: expected integer, got string "four"`]);
    expect(
      problemsAfter((t) => (t.Resources[rule].Properties.Targets[0].RetryPolicy.MaximumEventAgeInSeconds = '3600')),
    ).toEqual([
      `${rule} Properties.Targets[0].RetryPolicy.MaximumEventAgeInSeconds: expected integer, got string "3600"`,
    ]);
    expect(problemsAfter((t) => (t.Resources.Table.Properties.TimeToLiveSpecification.Enabled = 'yes'))).toEqual([
      'Table Properties.TimeToLiveSpecification.Enabled: expected boolean, got string "yes"',
    ]);
    expect(problemsAfter((t) => (t.Resources.Table.Properties.AttributeDefinitions[1].AttributeName = 7))).toEqual([
      'Table Properties.AttributeDefinitions[1].AttributeName: expected string, got number 7',
    ]);
  });

  it('reports an object where a list is expected and a list where an object is', () => {
    expect(
      problemsAfter((t) => (t.Resources[rule].Properties.Targets = t.Resources[rule].Properties.Targets[0])),
    ).toEqual([
      expect.stringMatching(
        new RegExp(`^${rule} Properties.Targets: expected list of Target \\(object\\), got object`),
      ),
    ]);
    expect(
      problemsAfter(
        (t) => (t.Resources.Table.Properties.SSESpecification = [t.Resources.Table.Properties.SSESpecification]),
      ),
    ).toEqual([
      'Table Properties.SSESpecification: expected SSESpecification (object), got list [{"SSEEnabled":true}]',
    ]);
  });

  it('reports a value the property does not allow', () => {
    expect(problemsAfter((t) => (t.Resources[rule].Properties.State = 'ON'))).toEqual([
      `${rule} Properties.State: "ON" is not one of DISABLED | ENABLED | ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`,
    ]);
    const schedule = idOf('AWS::Scheduler::Schedule');
    expect(problemsAfter((t) => (t.Resources[schedule].Properties.FlexibleTimeWindow.Mode = 'off'))).toEqual([
      `${schedule} Properties.FlexibleTimeWindow.Mode: "off" is not one of OFF | FLEXIBLE`,
    ]);
    const logGroup = idOf('AWS::Logs::LogGroup');
    expect(problemsAfter((t) => (t.Resources[logGroup].Properties.RetentionInDays = 45))).toEqual([
      expect.stringMatching(new RegExp(`^${logGroup} Properties.RetentionInDays: 45 is not one of 1 \\| 3 \\| 5 `)),
    ]);
  });

  it('reports an Fn::GetAtt of an attribute the resource type does not have, or of no resource', () => {
    expect(
      problemsAfter((t) => (t.Resources[rule].Properties.Targets[0].Arn = { 'Fn::GetAtt': ['Bus', 'Url'] })),
    ).toEqual([
      `${rule} Properties.Targets[0].Arn: Fn::GetAtt Bus.Url: AWS::Events::EventBus has no attribute Url (it has Arn, Name, Policy)`,
    ]);
    expect(
      problemsAfter(
        (t) =>
          (t.Resources.SchedulerDeadLetterAlarm.Properties.Dimensions[0].Value = {
            'Fn::GetAtt': 'SchedulerDeadLetterQueue.Name',
          }),
      ),
    ).toEqual([
      'SchedulerDeadLetterAlarm Properties.Dimensions[0].Value: Fn::GetAtt SchedulerDeadLetterQueue.Name: AWS::SQS::Queue has no attribute Name (it has Arn, QueueName, QueueUrl)',
    ]);
    expect(
      problemsAfter(
        (t) => (t.Resources[rule].Properties.Targets[0].Arn = { 'Fn::GetAtt': ['PrepareFunction', 'Arn'] }),
      ),
    ).toEqual([
      `${rule} Properties.Targets[0].Arn: Fn::GetAtt PrepareFunction.Arn names resource PrepareFunction, which the template does not have`,
    ]);
  });

  it('reports a Ref, DependsOn, Fn::Sub name, condition or output that points at nothing', () => {
    expect(problemsAfter((t) => (t.Resources.BusPolicy.Properties.EventBusName = { Ref: 'Buss' }))).toEqual([
      'BusPolicy Properties.EventBusName: Ref Buss names no resource, parameter or pseudo parameter',
    ]);
    expect(problemsAfter((t) => (t.Resources.Table.DependsOn = ['Bus', 'Ghost']))).toEqual([
      'Table DependsOn[1]: DependsOn names "Ghost", which is not a resource of the template',
    ]);
    expect(
      problemsAfter(
        (t) =>
          (t.Resources.Bus.Properties.Name = { 'Fn::Sub': '${Stage}-${Bus.Colour}-${AWS::Region}-${!Literal}-${Own}' }),
      ),
    ).toEqual([
      'Bus Properties.Name: Fn::Sub ${Stage} names no resource, parameter, pseudo parameter or variable',
      'Bus Properties.Name: Fn::Sub ${Bus.Colour}: AWS::Events::EventBus has no attribute Colour (it has Arn, Name, Policy)',
      'Bus Properties.Name: Fn::Sub ${Own} names no resource, parameter, pseudo parameter or variable',
    ]);
    // With a variable map, ${Own} is the variable; what the variable refers to is checked in turn.
    expect(
      problemsAfter(
        (t) =>
          (t.Resources.Bus.Properties.Name = { 'Fn::Sub': ['${Own}-${AWS::StackName}', { Own: { Ref: 'Nowhere' } }] }),
      ),
    ).toEqual(['Bus Properties.Name.Fn::Sub[1].Own: Ref Nowhere names no resource, parameter or pseudo parameter']);
    expect(problemsAfter((t) => (t.Resources.Bus.Condition = 'HasConsumers'))).toEqual([
      'Bus Condition: Condition "HasConsumers" is not a condition of the template',
    ]);
    expect(problemsAfter((t) => (t.Resources.Bus.Properties.Name = { 'Fn::If': ['HasConsumers', 'a', 'b'] }))).toEqual([
      'Bus Properties.Name: Fn::If names condition "HasConsumers", which the template does not have',
    ]);
    expect(problemsAfter((t) => (t.Outputs!.EventBusArn.Value = { 'Fn::GetAtt': ['Bus', 'Url'] }))).toEqual([
      'Outputs.EventBusArn Value: Fn::GetAtt Bus.Url: AWS::Events::EventBus has no attribute Url (it has Arn, Name, Policy)',
    ]);
  });

  it('takes an intrinsic for a value of its result type, and reports one of another shape', () => {
    // Accepted: a string from Fn::Sub where an integer is expected, Fn::If of two right branches, AWS::NoValue.
    expect(
      problemsAfter((t) => {
        t.Resources[rule].Properties.Targets[0].RetryPolicy.MaximumRetryAttempts = { 'Fn::Sub': '4' };
        t.Resources.Table.Properties.TimeToLiveSpecification.Enabled = {
          'Fn::If': ['HasConsumerAccounts', true, { Ref: 'AWS::NoValue' }],
        };
        t.Resources.Table.Properties.KeySchema = {
          'Fn::If': ['HasConsumerAccounts', t.Resources.Table.Properties.KeySchema, { 'Fn::Split': [',', 'a,b'] }],
        };
      }),
    ).toEqual([]);
    expect(problemsAfter((t) => (t.Resources.Bus.Properties.Name = { 'Fn::Split': [',', 'a,b'] }))).toEqual([
      'Bus Properties.Name: expected string, got Fn::Split (which gives a list)',
    ]);
    expect(
      problemsAfter((t) => (t.Resources.Table.Properties.TimeToLiveSpecification = { 'Fn::GetAtt': ['Bus', 'Arn'] })),
    ).toEqual([
      'Table Properties.TimeToLiveSpecification: expected TimeToLiveSpecification (object), got Fn::GetAtt (which gives a string)',
    ]);
    expect(
      problemsAfter(
        (t) =>
          (t.Resources.Table.Properties.TimeToLiveSpecification.Enabled = {
            'Fn::If': ['HasConsumerAccounts', true, 'maybe'],
          }),
      ),
    ).toEqual(['Table Properties.TimeToLiveSpecification.Enabled.Fn::If[2]: expected boolean, got string "maybe"']);
  });

  it('leaves nothing in the system temp folder', () => {
    expect(leftovers).toEqual([]);
    // The check itself: what serverless-esbuild stages for the run's process, and the run's own
    // directories, count; the same names of another process, and other entries, do not.
    const staged = ['prepare-4242-1796056713423-2012c8c3', 'pipelineGate-4242-1796056713433-18a3544a'];
    const after = [
      'existing',
      ...staged,
      'prepare-999-1796056713423-2012c8c3',
      'faultline-package-tmp-Ab12',
      'tmp.x1',
      'existing-too',
    ];
    expect(packagingLeftovers(['existing', 'existing-too'], after, 4242, ['faultline-package-tmp-Ab12'])).toEqual(
      ['faultline-package-tmp-Ab12', ...staged].sort(),
    );
    expect(packagingLeftovers(after, after, 4242, ['faultline-package-tmp-Ab12'])).toEqual([]);
  });

  it('removes the packaged stack when disposed', () => {
    expect(existsSync(dir)).toBe(true);
    disposePackagedStack();
    expect(existsSync(dir)).toBe(false);
  });
});
