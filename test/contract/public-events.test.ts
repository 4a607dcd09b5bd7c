import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  CodePipelineActionExecutionStateChange,
  CodePipelineStageExecutionStateChange,
  DELIVERY_AWS_EVENTS,
  DELIVERY_EVENTS,
  ExperimentCompleted,
  FAULTLINE_EVENTS,
  GameDayCompleted,
  PUBLIC_EVENTS,
  type Contract,
} from '../../events';
import { publicEventJsonSchema, renderSchemaFile, schemaFileName } from '../../events/json-schema';
import { matchesPattern } from '../../local/event-pattern';
import { loadFunctionRules } from '../../local/rules';
import { validateDraft4 } from '../support/json-schema-draft4';
import { awsFixture } from '../support/delivery';

const ROOT = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The event as a consumer receives it. */
const delivered = (
  contract: Contract<z.ZodObject>,
  detail: Record<string, unknown> = contract.entry(contract.fixture as never).detail,
) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': contract.detailType,
  source: contract.source,
  account: '111122223333',
  time: '2026-11-29T10:04:05Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

describe('public events: JSON Schemas for the EventBridge schema registry', () => {
  it('ExperimentCompleted and GameDayCompleted are the public events, after the 14 of the flow', () => {
    expect(PUBLIC_EVENTS.map((c) => c.detailType)).toEqual(['ExperimentCompleted', 'GameDayCompleted']);
    expect(FAULTLINE_EVENTS).toHaveLength(14);
    expect(DELIVERY_EVENTS.map((c) => c.detailType)).toEqual(['GameDayDue', 'GameDayCompleted']);
  });

  describe.each(PUBLIC_EVENTS.map((c) => [c.detailType, c as Contract<z.ZodObject>] as const))(
    '%s',
    (_name, contract) => {
      const schema = JSON.parse(read(schemaFileName(contract))) as Record<string, unknown>;

      it('the committed schema file is the one generated from the zod contract (draft 4)', () => {
        expect(read(schemaFileName(contract))).toBe(renderSchemaFile(contract));
        expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
      });

      it('validates the contract fixture as delivered, and zod parses it too', () => {
        const event = delivered(contract);
        expect(validateDraft4(schema, event)).toEqual([]);
        expect(contract.parse(event).detail).toMatchObject({ version: contract.version });
      });

      it('refuses what the contract refuses: a missing field, another verdict, another detail-type', () => {
        const detail = contract.entry(contract.fixture as never).detail;
        const { verdict: _drop, ...withoutVerdict } = detail;
        expect(validateDraft4(schema, delivered(contract, withoutVerdict))).toEqual(['$.detail.verdict: required']);
        expect(validateDraft4(schema, delivered(contract, { ...detail, verdict: 'MAYBE' }))).toEqual([
          expect.stringMatching(/^\$\.detail\.verdict: not one of/),
        ]);
        expect(validateDraft4(schema, { ...delivered(contract), 'detail-type': 'Other' })).toEqual([
          expect.stringMatching(/^\$\.detail-type: not one of/),
        ]);
        expect(() => contract.parse(delivered(contract, withoutVerdict))).toThrow(/detail\.verdict/);
      });

      it('accepts a field added within the version (consumers must ignore what they do not know)', () => {
        const detail = { ...contract.entry(contract.fixture as never).detail, addedLater: 'x' };
        expect(validateDraft4(schema, delivered(contract, detail))).toEqual([]);
      });
    },
  );

  it('the schema of ExperimentCompleted validates what the flow really publishes (pipeline trigger included)', () => {
    const schema = publicEventJsonSchema(ExperimentCompleted as Contract<z.ZodObject>);
    const detail = ExperimentCompleted.entry({
      ...ExperimentCompleted.fixture,
      status: 'REJECTED',
      verdict: 'INCONCLUSIVE',
      templateVersion: 0,
      criteria: [{ type: 'availability', expected: '>= 99%', actual: null, passed: null }],
      metrics: { availabilityPercent: null, p95LatencyMs: null, recoverySeconds: null },
      trigger: { type: 'gameday', reference: 'run-1', gameDay: { suite: 'nightly', runId: 'run-1' } },
      reasons: ['no stored template x'],
    }).detail;
    expect(validateDraft4(schema, delivered(ExperimentCompleted as Contract<z.ZodObject>, detail))).toEqual([]);
  });
});

/** README's "Event catalogue": one `### <detail-type> (version N)` per public event, with a field table. */
const readCatalogue = () => {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Event catalogue');
  expect(start).toBeGreaterThanOrEqual(0);
  const section = readme.slice(start + 1).split(/\n## /)[0]!;
  return section
    .split(/\n### /)
    .slice(1)
    .map((block) => {
      const [, detailType, version] = /^(\S+) \(version (\d+)\)/.exec(block) ?? [];
      const item = (name: string) => new RegExp(`^- ${name}: \`([^\`]+)\``, 'm').exec(block)?.[1];
      const rows = block
        .split('\n')
        .filter((l) => /^\| `/.test(l))
        .map((l) =>
          l
            .split('|')
            .slice(1, -1)
            .map((c) => c.trim()),
        )
        .map(([field, type, required]) => ({ field: field!.replace(/`/g, ''), type, required }));
      return {
        detailType,
        version: Number(version),
        source: item('source'),
        detailTypeLine: item('detail-type'),
        schema: item('schema'),
        rows,
      };
    });
};

const typeOf = (p: Record<string, unknown>): string => {
  if (p.enum) return `${(p.type as string) ?? 'value'}: ${(p.enum as unknown[]).join(', ')}`;
  const t = Array.isArray(p.type) ? (p.type as string[]).join(' or ') : (p.type as string);
  if (t === 'array') return `array of ${typeOf(p.items as Record<string, unknown>)}`;
  return t;
};

describe("README's event catalogue matches the contracts in events/", () => {
  const catalogue = readCatalogue();

  it('lists exactly the public events, in order', () => {
    expect(catalogue.map((c) => c.detailType)).toEqual(PUBLIC_EVENTS.map((c) => c.detailType));
  });

  it.each(PUBLIC_EVENTS.map((c) => [c.detailType, c as Contract<z.ZodObject>] as const))(
    '%s: detail-type, version, source, schema file and every field',
    (name, contract) => {
      const entry = catalogue.find((c) => c.detailType === name)!;
      expect(entry).toMatchObject({
        version: contract.version,
        source: contract.source,
        detailTypeLine: contract.detailType,
        schema: schemaFileName(contract),
      });
      const detail = z.toJSONSchema(contract.schema, { target: 'draft-04', io: 'input' }) as {
        properties: Record<string, Record<string, unknown>>;
        required: string[];
      };
      expect(entry.rows).toEqual(
        Object.entries(detail.properties).map(([field, p]) => ({
          field,
          type: typeOf(p),
          required: detail.required.includes(field) ? 'yes' : 'no',
        })),
      );
    },
  );
});

describe('the example consumer rule receives the public events', () => {
  const tags = ['Ref', 'Sub', 'GetAtt'].map((name) => ({ tag: `!${name}`, resolve: (v: string) => ({ [name]: v }) }));
  const doc = parseYaml(read('examples/consumer-rule.yml'), { customTags: tags as never }) as {
    Resources: Record<string, { Properties: { EventPattern?: unknown } }>;
  };
  const environment = 'staging';
  const pattern = JSON.parse(
    JSON.stringify(doc.Resources.FaultlineResultsRule!.Properties.EventPattern).replace(
      /\{"Ref":"Environment"\}/g,
      JSON.stringify(environment),
    ),
  );

  it('a FAILED ExperimentCompleted and every GameDayCompleted of its environment match; a PASSED one does not', () => {
    const failed = { ...ExperimentCompleted.fixture, verdict: 'FAILED' as const, environment };
    expect(
      matchesPattern(
        pattern,
        delivered(ExperimentCompleted as Contract<z.ZodObject>, ExperimentCompleted.entry(failed).detail),
      ),
    ).toBe(true);
    expect(
      matchesPattern(
        pattern,
        delivered(
          ExperimentCompleted as Contract<z.ZodObject>,
          ExperimentCompleted.entry({ ...failed, verdict: 'PASSED' }).detail,
        ),
      ),
    ).toBe(false);
    expect(
      matchesPattern(
        pattern,
        delivered(
          GameDayCompleted as Contract<z.ZodObject>,
          GameDayCompleted.entry({ ...GameDayCompleted.fixture, environment }).detail,
        ),
      ),
    ).toBe(true);
    expect(
      matchesPattern(
        pattern,
        delivered(
          GameDayCompleted as Contract<z.ZodObject>,
          GameDayCompleted.entry({ ...GameDayCompleted.fixture, environment: 'dev' }).detail,
        ),
      ),
    ).toBe(false);
  });
});

describe('CodePipeline events as AWS documents them', () => {
  const rules = loadFunctionRules(join(ROOT, 'serverless.yml'));
  const consumers = (event: Record<string, unknown>, bus: 'default' | 'custom') =>
    rules.filter((r) => r.bus === bus && matchesPattern(r.pattern, event)).map((r) => r.functionName);

  it.each([
    ['codepipeline-stage-execution-state-change.started.json', CodePipelineStageExecutionStateChange],
    ['codepipeline-stage-execution-state-change.stopped.json', CodePipelineStageExecutionStateChange],
    ['codepipeline-action-execution-state-change.started.json', CodePipelineActionExecutionStateChange],
    ['codepipeline-action-execution-state-change.succeeded.json', CodePipelineActionExecutionStateChange],
    ['codepipeline-action-execution-state-change.failed.json', CodePipelineActionExecutionStateChange],
  ] as const)('%s parses; only SUCCEEDED reaches pipelineTrigger (default bus)', (file, contract) => {
    const event = awsFixture(file);
    const parsed = contract.parse(event);
    expect(parsed.detail.pipeline).toBe('myPipeline');
    expect(consumers(event, 'default')).toEqual(parsed.detail.state === 'SUCCEEDED' ? ['pipelineTrigger'] : []);
    expect(consumers(event, 'custom')).toEqual([]);
  });

  it('every delivery AWS contract has a fixture that parses', () => {
    for (const c of DELIVERY_AWS_EVENTS)
      expect(() => c.parse({ ...delivered(c as Contract<z.ZodObject>), detail: c.fixture })).not.toThrow();
  });
});
