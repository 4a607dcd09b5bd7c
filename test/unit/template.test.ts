import { InvalidTemplateError } from '../../shared/errors';
import { FAULT_TYPES } from '../../shared/domain/faults';
import { parseTemplate, templateProblems } from '../../shared/domain/template';
import { parseTemplateText } from '../../shared/domain/template-text';
import { parseDurationMs } from '../../shared/domain/duration';
import { quickTemplate } from '../support/templates';

describe('experiment templates', () => {
  it('a valid template parses, with fault parameter defaults filled in', () => {
    const t = parseTemplate(quickTemplate());
    expect(t.actions.slow!.parameters).toEqual({ delayMs: 100, jitterMs: 0, interface: 'eth0' });
    expect(t.recovery).toEqual({ timeout: 'PT2S', checkEvery: 'PT0.1S' });
  });

  it('knows the nine fault types by name', () => {
    expect(FAULT_TYPES).toHaveLength(9);
    for (const fault of FAULT_TYPES) {
      const template = quickTemplate({ actions: { a: { fault, target: 'web', duration: 'PT1S' } } });
      expect(templateProblems(template)).toEqual([]);
    }
  });

  it('reports every problem with its path, not just the first', () => {
    const problems = templateProblems({
      ...quickTemplate(),
      id: 'Bad Id',
      targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: 'SOME(2)', tags: {} } },
      actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT5', parameters: { delayMS: 100 } } },
      safety: { environments: ['local'], maxTargetsPercent: 500 },
    });
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'actions.slow.duration',
        'actions.slow.parameters',
        'id',
        'safety.maxTargetsPercent',
        'targets.web',
        'targets.web.selectionMode',
      ].sort(),
    );
    expect(problems.find((p) => p.path === 'actions.slow.parameters')?.message).toMatch(/unknown key "delayMS"/);
    expect(problems.find((p) => p.path === 'targets.web')?.message).toMatch(/unknown key "tags"/);
    expect(problems.find((p) => p.path === 'actions.slow.duration')?.message).toMatch(/not an ISO-8601 duration/);
  });

  it('an unknown key at the top is an error: a typo must not disable a safety setting', () => {
    const { safety: _s, ...rest } = quickTemplate();
    const problems = templateProblems({ ...rest, saftey: { environments: ['local'] } });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: '', message: 'unknown key "saftey"' },
        { path: 'safety', message: 'required' },
      ]),
    );
  });

  it('checks references and timing across fields', () => {
    const problems = templateProblems(
      quickTemplate({
        actions: { slow: { fault: 'cpu-stress', target: 'db', duration: 'PT0.1S' } },
        recovery: { timeout: 'PT1S', checkEvery: 'PT2S' },
        targets: { web: { provider: 'aws', resourceType: 'local:replica' } },
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'actions.slow.target',
        'actions.slow.duration',
        'recovery.checkEvery',
        'targets.web.resourceType',
        'targets.web',
      ]),
    );
  });

  it.each(['COUNT(0)', 'PERCENT(0)', 'PERCENT(101)'])(
    'a selection mode that may select nothing, %s, is an error',
    (mode) => {
      const problems = templateProblems(
        quickTemplate({ targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: mode } } }),
      );
      expect(problems.map((p) => p.path)).toEqual(['targets.web.selectionMode']);
    },
  );

  it('a fault must outlast the observation window with room to revert', () => {
    const problems = templateProblems(
      quickTemplate({
        observation: { window: 'PT1M' },
        actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT1M' } },
      }),
    );
    expect(problems).toEqual([
      {
        path: 'actions.slow.duration',
        message: expect.stringMatching(/must exceed observation.window by at least 5s/),
      },
    ]);
    expect(
      templateProblems(
        quickTemplate({
          observation: { window: 'PT1M' },
          actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT65S' } },
        }),
      ),
    ).toEqual([]);
  });

  it('unknown fault types are named with the known ones', () => {
    const problems = templateProblems(
      quickTemplate({ actions: { x: { fault: 'meteor', target: 'web', duration: 'PT1S' } } }),
    );
    expect(problems[0]).toMatchObject({
      path: 'actions.x.fault',
      message: expect.stringContaining('instance-termination'),
    });
  });

  it('YAML text with a syntax error is an InvalidTemplateError', () => {
    expect(() => parseTemplateText('id: [unclosed')).toThrow(InvalidTemplateError);
  });
});

describe('ISO-8601 durations', () => {
  it.each([
    ['PT5M', 300_000],
    ['PT1.5S', 1500],
    ['P1DT2H', 93_600_000],
    ['PT0.1S', 100],
  ])('%s is %i ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));
  it.each(['P', 'PT', '5M', 'P1M', 'PT-1S', 'P1W'])('%s is refused', (text) =>
    expect(parseDurationMs(text)).toBeUndefined(),
  );
});
