import { ExperimentRequested } from '../../../events';
import type { TemplateInput } from '../../../shared/domain/template';
import { prepare } from '../../../shared/phases/prepare';
import {
  ALARM,
  EXECUTION_ID,
  detailTypes,
  eventFrom,
  journalLines,
  phaseDeps,
  seedExecution,
  stored,
  unitTemplate,
  type PhaseHarness,
} from './support';

const request = (deps: PhaseHarness, template: unknown = unitTemplate(), set: Record<string, unknown> = {}) =>
  eventFrom(ExperimentRequested, {
    executionId: EXECUTION_ID,
    experimentId: 'unit-latency',
    template: template as Record<string, unknown>,
    trigger: { type: 'cli', reference: 'alice' },
    requestedAt: deps.clock.iso(-1_000),
    ...set,
  });

const rejectedReasons = async (deps: PhaseHarness) => (await stored(deps)).reasons ?? [];

describe('prepare', () => {
  it('starts a valid request: INJECTING, one target leased, ExperimentStarted with injectBy', async () => {
    const deps = phaseDeps();
    const out = await prepare(request(deps), deps);

    expect(detailTypes(out)).toEqual(['ExperimentStarted']);
    const execution = await stored(deps);
    expect(execution.status).toBe('INJECTING');
    expect(execution.targets).toHaveLength(1);
    const target = execution.targets![0]!;
    expect(out[0]!.detail).toMatchObject({
      executionId: EXECUTION_ID,
      targets: [target],
      baseline: { availabilityPercent: 100 },
      injectBy: deps.clock.iso(deps.settings.injectWithinMs),
    });
    expect(await deps.store.lease(target.key)).toMatchObject({ executionId: EXECUTION_ID, pinned: false });
    expect(await deps.store.executionsWatchingAlarm(ALARM)).toEqual([EXECUTION_ID]);
    expect(await journalLines(deps)).toEqual(['prepare ExperimentRequested: ok', 'prepare preflight: ok']);
  });

  it('rejects an invalid template with its problems', async () => {
    const deps = phaseDeps();
    const meteor = { fault: 'meteor-strike', target: 'web', duration: 'PT60S' };
    const broken = { ...unitTemplate(), actions: { slow: meteor } };
    const out = await prepare(request(deps, broken), deps);

    expect(detailTypes(out)).toEqual(['ExperimentRejected', 'ExperimentCompleted']);
    const problems = out[0]!.detail.problems as { path: string; message: string }[];
    expect(problems.map((p) => p.path)).toContain('actions.slow.fault');
    expect(out[1]!.detail).toMatchObject({ status: 'REJECTED', verdict: 'INCONCLUSIVE' });
    const execution = await stored(deps);
    expect(execution).toMatchObject({ status: 'REJECTED', verdict: 'INCONCLUSIVE' });
    expect(execution.template).toBeUndefined();
    expect(deps.timer.scheduled).toEqual([]);
    expect(await journalLines(deps)).toEqual([
      'prepare ExperimentRequested: ok',
      'finish completed: ok',
      'prepare preflight: rejected',
    ]);
  });

  it('rejects a template that does not allow this environment, leasing nothing', async () => {
    const deps = phaseDeps();
    const staging = unitTemplate({ safety: { environments: ['staging'], maxTargetsPercent: 50, maxTargets: 1 } });
    const out = await prepare(request(deps, staging), deps);

    expect(detailTypes(out)).toEqual(['ExperimentRejected', 'ExperimentCompleted']);
    expect(await rejectedReasons(deps)).toEqual([
      'environment local is not allowed by the template (allowed: staging)',
    ]);
    for (const id of ['replica-1', 'replica-2', 'replica-3']) {
      expect(await deps.store.lease(`local:replica:${id}`)).toBeUndefined();
    }
  });

  it('rejects a request for another environment than the stack serves', async () => {
    const deps = phaseDeps();
    const both = unitTemplate({ safety: { environments: ['local', 'prod'], maxTargetsPercent: 50, maxTargets: 1 } });
    await prepare(request(deps, both, { environment: 'prod' }), deps);
    expect(await rejectedReasons(deps)).toEqual(['requested for environment prod, but this stack serves local']);
    expect((await stored(deps)).status).toBe('REJECTED');
  });

  it('rejects while halted', async () => {
    const deps = phaseDeps();
    await deps.store.halt('incident 4711', 'alice');
    const out = await prepare(request(deps), deps);

    expect(detailTypes(out)).toEqual(['ExperimentRejected', 'ExperimentCompleted']);
    expect(await rejectedReasons(deps)).toEqual([
      expect.stringMatching(/^experiments are halted: incident 4711 \(by alice at /),
    ]);
    expect((await stored(deps)).safety.violated).toBe(false);
  });

  it('rejects when a stop-condition alarm is already in ALARM, and gives its watch back', async () => {
    const deps = phaseDeps();
    deps.alarms.firing.add(ALARM);
    const out = await prepare(request(deps), deps);

    expect(detailTypes(out)).toEqual(['ExperimentRejected', 'ExperimentCompleted']);
    expect(await rejectedReasons(deps)).toEqual([`stop-condition alarm ${ALARM} is already in ALARM`]);
    expect(await deps.store.executionsWatchingAlarm(ALARM)).toEqual([]);
  });

  it('rejects when a stop-condition alarm does not exist', async () => {
    const deps = phaseDeps();
    deps.alarms.known.clear();
    await prepare(request(deps), deps);
    expect(await rejectedReasons(deps)).toEqual([`stop-condition alarm ${ALARM} does not exist`]);
  });

  it('rejects when the blast-radius caps allow no target', async () => {
    const deps = phaseDeps();
    await prepare(request(deps, unitTemplate({ safety: { environments: ['local'], maxTargetsPercent: 10 } })), deps);
    expect(await rejectedReasons(deps)).toEqual([
      'target web: the blast-radius caps allow no target out of 3 ' +
        '(maxTargetsPercent 10, maxTargets 10, minHealthyTargets 0)',
    ]);
  });

  it('selects no more than the caps allow, whatever the selection mode asks', async () => {
    const deps = phaseDeps();
    const all: TemplateInput = unitTemplate({
      targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: 'ALL' } },
      safety: { environments: ['local'], maxTargetsPercent: 100, maxTargets: 5, minHealthyTargets: 2 },
    });
    const out = await prepare(request(deps, all), deps);
    expect(detailTypes(out)).toEqual(['ExperimentStarted']);
    expect((await stored(deps)).targets).toHaveLength(1);
  });

  it('does not take a target another running execution holds', async () => {
    const deps = phaseDeps();
    await seedExecution(deps, 'OBSERVING', { executionId: 'other' });
    await deps.store.acquireLease('local:replica:replica-1', 'other');
    const wider = unitTemplate({ safety: { environments: ['local'], maxTargetsPercent: 67, maxTargets: 1 } });
    const out = await prepare(request(deps, wider), deps);

    expect(detailTypes(out)).toEqual(['ExperimentStarted']);
    const [target] = (await stored(deps)).targets!;
    expect(target!.id).not.toBe('replica-1');
    expect(await deps.store.leaseHolder('local:replica:replica-1')).toBe('other');
    expect(await deps.store.leaseHolder(target!.key)).toBe(EXECUTION_ID);
  });

  it('counts a target another running execution holds against the caps', async () => {
    const deps = phaseDeps();
    await seedExecution(deps, 'OBSERVING', { executionId: 'other' });
    await deps.store.acquireLease('local:replica:replica-1', 'other');
    const out = await prepare(request(deps), deps); // maxTargetsPercent 50 of 3: one at a time

    expect(detailTypes(out)).toEqual(['ExperimentRejected', 'ExperimentCompleted']);
    expect(await rejectedReasons(deps)).toEqual([
      'target web: 1 of 3 resources are in other running experiments; the blast-radius caps allow no more ' +
        '(maxTargetsPercent 50, maxTargets 1, minHealthyTargets 0)',
    ]);
    expect(await deps.store.leaseHolder('local:replica:replica-2')).toBeUndefined();
    expect(await deps.store.leaseHolder('local:replica:replica-3')).toBeUndefined();
  });

  it('resumes an execution a failed attempt left in PREPARING', async () => {
    const deps = phaseDeps();
    await seedExecution(deps, 'PREPARING', { set: { targets: [] } });
    const out = await prepare(request(deps), deps);

    expect(detailTypes(out)).toEqual(['ExperimentStarted']);
    expect((await stored(deps)).status).toBe('INJECTING');
    const journal = await deps.store.readJournal(EXECUTION_ID);
    expect(journal[0]).toMatchObject({
      action: 'ExperimentRequested',
      outcome: 'ok',
      detail: { resumed: 'PREPARING' },
    });
  });

  it('resumes after a write failed halfway through the first attempt', async () => {
    const deps = phaseDeps();
    const event = request(deps);
    const acquire = jest.spyOn(deps.store, 'acquireLease').mockRejectedValueOnce(new Error('ThrottlingException'));
    await expect(prepare(event, deps)).rejects.toThrow('ThrottlingException');
    expect((await stored(deps)).status).toBe('PREPARING');

    acquire.mockRestore();
    const out = await prepare(event, deps);
    expect(detailTypes(out)).toEqual(['ExperimentStarted']);
    const execution = await stored(deps);
    expect(execution.status).toBe('INJECTING');
    expect(await deps.store.leaseHolder(execution.targets![0]!.key)).toBe(EXECUTION_ID);
  });

  it('does nothing for a duplicate request of a run that went on', async () => {
    const deps = phaseDeps();
    await prepare(request(deps), deps);
    const before = await stored(deps);
    const out = await prepare(request(deps), deps);

    expect(out).toEqual([]);
    expect(await stored(deps)).toEqual(before);
    expect((await journalLines(deps)).at(-1)).toBe('prepare ExperimentRequested: duplicate');
  });

  it('rejects a request older than requestWithinMs', async () => {
    const deps = phaseDeps();
    const old = request(deps, unitTemplate(), { requestedAt: deps.clock.iso(-deps.settings.requestWithinMs - 1) });
    const out = await prepare(old, deps);

    expect(detailTypes(out)).toEqual(['ExperimentRejected', 'ExperimentCompleted']);
    expect(await rejectedReasons(deps)).toEqual([expect.stringMatching(/is older than 900s: nothing is started$/)]);
    expect(await deps.store.executionsWatchingAlarm(ALARM)).toEqual([]);
  });

  it('rejects a fault that does not outlast the window by the timer lateness', async () => {
    const deps = phaseDeps({ latenessMs: 125_000 });
    await prepare(request(deps), deps);
    expect(await rejectedReasons(deps)).toEqual([
      'action slow: its duration must exceed observation.window by at least 125s here (timers may fire that late)',
    ]);

    const later = phaseDeps({ latenessMs: 125_000 });
    const long = unitTemplate({
      actions: { slow: { fault: 'network-latency', target: 'web', parameters: { delayMs: 100 }, duration: 'PT150S' } },
    });
    expect(detailTypes(await prepare(request(later, long), later))).toEqual(['ExperimentStarted']);
  });

  it('ends a dry run COMPLETED and INCONCLUSIVE, giving its leases back', async () => {
    const deps = phaseDeps();
    const out = await prepare(request(deps, unitTemplate(), { dryRun: true }), deps);

    expect(detailTypes(out)).toEqual(['ExperimentCompleted']);
    const execution = await stored(deps);
    expect(execution).toMatchObject({ status: 'COMPLETED', verdict: 'INCONCLUSIVE', dryRun: true });
    expect(await deps.store.lease(execution.targets![0]!.key)).toBeUndefined();
    expect(deps.faults.injections).toEqual([]);
  });
});
