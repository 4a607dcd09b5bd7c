import { ExperimentStarted, ObservationWindowElapsed, SafetyViolated } from '../../events';
import { ForgedEventError, MalformedEventError } from '../../shared/errors';
import type { Execution } from '../../shared/domain/execution';
import type { BusEvent } from '../../shared/ports';
import { InMemoryFaults } from '../../testing/in-memory';
import { quickTemplate } from '../support/templates';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { TestClock, waitFor } from '../support/wait';

// Each test waits for what it expects (bounded by waitFor and waitForFinal); jest's 5 s default
// would instead fail a correct run on a loaded machine.
jest.setTimeout(60_000);

/** What a clean run and a disturbed run must agree on. */
const outcome = async (t: TestRuntime, execution: Execution) => ({
  status: execution.status,
  verdict: execution.verdict,
  criteria: execution.criteria?.map((c) => [c.type, c.passed]),
  safety: execution.safety.violated,
  faults: (await t.runtime.store.listFaults(execution.executionId)).map((f) => [f.action, f.state]),
  injections: t.faults.injections.length,
  active: t.faults.active.size,
});

/**
 * Delivers every event to every function three times: once with a little jitter, once again with
 * the same id after that delivery has been handled (a redelivery), and once with a new id at a
 * random time (a republish, as after a publisher's retry), so that copies overtake the events that
 * follow them. The random delays only shuffle the order; `settled` waits until every copy has been
 * handled, however long that takes. The redelivery comes after the first delivery, as it does from
 * EventBridge: sent at a fixed delay instead, it would find the first one still in progress on a
 * slow machine, and the test could not count on a duplicate.
 */
const duplicateAndReorder = (t: TestRuntime, seed: number) => {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const functions = (t.runtime.bus as unknown as { functions: Map<string, (e: BusEvent) => Promise<unknown>> })
    .functions;
  let pending = 0;
  const later = (invoke: (e: BusEvent) => Promise<unknown>, event: BusEvent, delayMs: number) => {
    pending++;
    setTimeout(
      () =>
        void invoke(event)
          .catch(() => undefined)
          .finally(() => pending--),
      delayMs,
    );
  };
  for (const [name, invoke] of [...functions]) {
    functions.set(name, async (event) => {
      const redelivery = structuredClone(event);
      const redeliveryDelayMs = 50 + Math.floor(random() * 250);
      later(invoke, { ...structuredClone(event), id: `${event.id}-again` }, Math.floor(random() * 300));
      await new Promise((r) => setTimeout(r, Math.floor(random() * 15)));
      try {
        return await invoke(event);
      } finally {
        later(invoke, redelivery, redeliveryDelayMs);
      }
    });
  }
  return {
    /** Every copy handled and the bus idle (a copy may publish events that bring more copies). */
    settled: async () => {
      do {
        await waitFor(() => pending === 0, 60_000, 'the late copies to be handled');
        await t.runtime.bus.idle();
      } while (pending > 0);
    },
  };
};

/**
 * A run a test holds in RECOVERING (health not steady) for as long as it needs: the recovery
 * timeout and the recovery-time criterion are far beyond any test, so that a slow machine does not
 * end the recovery before the test has done what it came to do.
 */
const heldInRecovery = (overrides: Parameters<typeof quickTemplate>[0] = {}) => {
  const base = quickTemplate();
  return quickTemplate({
    hypothesis: {
      ...base.hypothesis,
      successCriteria: base.hypothesis.successCriteria.map((c) =>
        c.type === 'recoveryTime' ? { ...c, maxSeconds: 600 } : c,
      ),
    },
    recovery: { timeout: 'PT10M', checkEvery: 'PT0.1S' },
    ...overrides,
  });
};

describe('invariants of docs/architecture.md §7', () => {
  let t: TestRuntime;
  afterEach(async () => {
    await t.runtime.stop();
  });

  describe('1. no fault is injected unless its revert is already armed', () => {
    it('the revert deadline is scheduled when the provider injects', async () => {
      t = await startTestRuntime();
      const armedAtInjection: string[][] = [];
      t.faults.duringInject = async () => {
        armedAtInjection.push(t.runtime.timer.scheduled);
      };
      const executionId = await t.runtime.requestExperiment(quickTemplate());
      await t.runtime.waitForFinal(executionId);
      expect(armedAtInjection).toEqual([[`revert-${executionId}`]]);
    });

    it('when arming the deadline fails, nothing is injected', async () => {
      t = await startTestRuntime();
      t.runtime.timer.schedule = async () => {
        throw new Error('Scheduler unavailable');
      };
      const executionId = await t.runtime.requestExperiment(quickTemplate());
      await waitFor(async () => t.runtime.bus.deadLetters.length > 0);
      expect(t.faults.injections).toHaveLength(0);
      expect(t.runtime.bus.deadLetters[0]).toMatchObject({ functionName: 'inject' });
      expect((await t.runtime.store.getExecution(executionId))?.status).toBe('INJECTING');
    });
  });

  describe('2. every status change is conditional; final statuses are final', () => {
    it('an abort is never overwritten by a later completion', async () => {
      t = await startTestRuntime();
      t.health.steadyNow = false;
      const executionId = await t.runtime.requestExperiment(heldInRecovery());
      await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'RECOVERING');
      await t.runtime.bus.publish([
        SafetyViolated.entry({
          executionId,
          experimentId: 'quick-latency',
          reason: 'operator',
          message: 'stop',
          at: new Date().toISOString(),
        }),
      ]);
      await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.safety.violated === true);
      t.health.steadyNow = true;
      const final = await t.runtime.waitForFinal(executionId);
      expect(final).toMatchObject({ status: 'ABORTED', verdict: 'FAILED' });

      const again = await t.runtime.store.transition(executionId, {
        from: ['ABORTED', 'VALIDATING'],
        to: 'COMPLETED',
        set: { verdict: 'PASSED' },
      });
      expect(again).toBeNull();
      expect((await t.runtime.store.getExecution(executionId))?.status).toBe('ABORTED');
    });
  });

  describe('3. each event takes effect at most once; 4. stale events change nothing', () => {
    it.each([1, 2, 3, 4, 5])(
      'every event delivered twice, republished and out of order ends as a clean run does (seed %i)',
      async (seed) => {
        t = await startTestRuntime();
        const cleanId = await t.runtime.requestExperiment(quickTemplate());
        const clean = await outcome(t, await t.runtime.waitForFinal(cleanId));
        await t.runtime.stop();

        t = await startTestRuntime();
        const copies = duplicateAndReorder(t, seed);
        const id = await t.runtime.requestExperiment(quickTemplate());
        await t.runtime.waitForFinal(id, 20_000);
        await copies.settled();
        expect(await outcome(t, (await t.runtime.store.getExecution(id))!)).toEqual(clean);
        expect(clean).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED', injections: 1, active: 0 });
        const journal = await t.runtime.store.readJournal(id);
        expect(journal.some((j) => j.outcome === 'duplicate')).toBe(true);
      },
    );

    it('a stale injection event injects nothing and ends FAILED/INCONCLUSIVE', async () => {
      t = await startTestRuntime({ settings: { injectWithinMs: -1 } });
      const executionId = await t.runtime.requestExperiment(quickTemplate());
      const final = await t.runtime.waitForFinal(executionId);
      expect(final).toMatchObject({ status: 'FAILED', verdict: 'INCONCLUSIVE' });
      expect(t.faults.injections).toHaveLength(0);
      const journal = await t.runtime.store.readJournal(executionId);
      expect(journal).toEqual(expect.arrayContaining([expect.objectContaining({ phase: 'inject', outcome: 'stale' })]));
    });

    it('an event for a finished execution is journaled as stale and changes nothing', async () => {
      t = await startTestRuntime();
      const executionId = await t.runtime.requestExperiment(quickTemplate());
      const final = await t.runtime.waitForFinal(executionId);
      await t.runtime.bus.publish([
        ExperimentStarted.entry({
          executionId,
          experimentId: 'quick-latency',
          targets: final.targets!,
          injectBy: new Date(Date.now() + 60_000).toISOString(),
        }),
      ]);
      await t.runtime.bus.idle();
      const after = await t.runtime.store.getExecution(executionId);
      expect(after?.version).toBe(final.version);
      expect(t.faults.injections).toHaveLength(1);
      // The start means this execution, which started once already: a duplicate (journaled), or stale.
      expect(
        (await t.runtime.store.readJournal(executionId)).filter(
          (j) => j.outcome === 'stale' || (j.outcome === 'duplicate' && j.phase === 'inject'),
        ),
      ).toHaveLength(1);
    });
  });

  describe('6. a safety violation reverts every fault and never passes', () => {
    it('a violation while recovering still fails the verdict', async () => {
      t = await startTestRuntime();
      t.health.steadyNow = false;
      const executionId = await t.runtime.requestExperiment(heldInRecovery());
      await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'RECOVERING');
      await t.runtime.bus.publish([
        SafetyViolated.entry({
          executionId,
          experimentId: 'quick-latency',
          reason: 'probe',
          message: 'probe failed',
          at: new Date().toISOString(),
        }),
      ]);
      await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.safety.violated === true);
      t.health.steadyNow = true;
      expect(await t.runtime.waitForFinal(executionId)).toMatchObject({ status: 'ABORTED', verdict: 'FAILED' });
    });

    it('a start retried after its deadline, with a fault already injected, reverts that fault', async () => {
      // The deadline is far off for the first attempt however slow the machine; the failure moves
      // the clock past it, so that the retry is late whatever the machine did.
      const clock = new TestClock();
      const injectWithinMs = 60_000;
      t = await startTestRuntime({ clock, settings: { injectWithinMs } });
      const twoActions = quickTemplate({
        actions: {
          first: { fault: 'network-latency', target: 'web', duration: 'PT30S' },
          second: { fault: 'cpu-stress', target: 'web', duration: 'PT30S' },
        },
      });
      // The first attempt injects "first", then the store fails once while recording "second".
      const recordFault = t.runtime.store.recordFault.bind(t.runtime.store);
      let calls = 0;
      t.runtime.store.recordFault = async (fault) => {
        if (++calls === 2) {
          clock.advance(injectWithinMs + 1);
          throw new Error('ProvisionedThroughputExceededException');
        }
        return recordFault(fault);
      };
      const executionId = await t.runtime.requestExperiment(twoActions);
      const final = await t.runtime.waitForFinal(executionId);

      expect(final).toMatchObject({ status: 'FAILED', verdict: 'INCONCLUSIVE' });
      expect(t.faults.injections.map((i) => i.action)).toEqual(['first']);
      expect(t.faults.active.size).toBe(0);
      expect((await t.runtime.store.listFaults(executionId)).map((f) => [f.action, f.state])).toEqual([
        ['first', 'REVERTED'],
      ]);
    });

    it('a stop-condition alarm in ALARM at the end of observation stops the experiment, even without its event', async () => {
      t = await startTestRuntime();
      // Changed while the fault goes in, so that it holds when the window ends, however short the
      // window is on this machine.
      t.faults.duringInject = async () => {
        t.alarms.firing.add('local-p95-latency');
      };
      const executionId = await t.runtime.requestExperiment(quickTemplate({ observation: { window: 'PT1S' } }));
      const final = await t.runtime.waitForFinal(executionId);
      expect(final).toMatchObject({ status: 'ABORTED', verdict: 'FAILED', safety: { source: 'alarm' } });
      expect(t.faults.active.size).toBe(0);
    });

    it('a stop-condition alarm that no longer exists at the end of observation ends the run INCONCLUSIVE, never PASSED', async () => {
      t = await startTestRuntime();
      // Changed while the fault goes in, so that it holds when the window ends, however short the
      // window is on this machine.
      t.faults.duringInject = async () => {
        t.alarms.known.delete('local-p95-latency');
      };
      const executionId = await t.runtime.requestExperiment(quickTemplate({ observation: { window: 'PT1S' } }));
      const final = await t.runtime.waitForFinal(executionId);
      expect(final).toMatchObject({
        status: 'FAILED',
        verdict: 'INCONCLUSIVE',
        reasons: ['stop-condition alarm local-p95-latency no longer exists'],
      });
      expect(t.faults.active.size).toBe(0);
    });

    it('a slow injection shortens the window instead of letting the revert deadline abort the run', async () => {
      // Injecting takes 29 of the fault's 30 seconds on the clock, and no real time: the revert
      // deadline's timer fires 30 real seconds after it was set, long after this run has ended.
      const clock = new TestClock();
      t = await startTestRuntime({ clock });
      t.faults.duringInject = async () => clock.advance(29_000);
      const executionId = await t.runtime.requestExperiment(
        quickTemplate({
          observation: { window: 'PT1S' },
          actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT30S' } },
        }),
      );
      const final = await t.runtime.waitForFinal(executionId);
      expect(final).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED', safety: { violated: false } });
      expect(Date.parse(final.observationEndsAt!)).toBeLessThan(Date.parse(final.revertDeadline!));
      expect(Date.parse(final.observationEndsAt!)).toBeLessThan(Date.parse(final.injectedAt!) + 1000);
      expect((await t.runtime.store.readJournal(executionId)).some((j) => j.action === 'shorten-observation')).toBe(
        true,
      );
    });

    it("an early end-of-observation event is stale: the window is the execution's own", async () => {
      t = await startTestRuntime();
      const executionId = await t.runtime.requestExperiment(
        quickTemplate({
          observation: { window: 'PT20S' },
          actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT30S' } },
        }),
      );
      await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'OBSERVING');
      const now = new Date().toISOString();
      await t.runtime.bus.publish([
        ObservationWindowElapsed.entry({
          executionId,
          experimentId: 'quick-latency',
          windowStart: now,
          windowEnd: now,
        }),
      ]);
      await t.runtime.bus.idle();
      expect((await t.runtime.store.getExecution(executionId))?.status).toBe('OBSERVING');
      expect(
        (await t.runtime.store.readJournal(executionId)).some((j) => j.phase === 'observe' && j.outcome === 'stale'),
      ).toBe(true);
      await t.runtime.bus.publish([
        SafetyViolated.entry({
          executionId,
          experimentId: 'quick-latency',
          reason: 'operator',
          message: 'done',
          at: now,
        }),
      ]);
      await t.runtime.waitForFinal(executionId);
    });

    it('an abort racing the injection still leaves no fault active', async () => {
      t = await startTestRuntime();
      let executionId = '';
      t.faults.duringInject = async () => {
        await t.runtime.bus.publish([
          SafetyViolated.entry({
            executionId,
            experimentId: 'quick-latency',
            reason: 'operator',
            message: 'abort',
            at: new Date().toISOString(),
          }),
        ]);
        await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status !== 'INJECTING');
      };
      executionId = await t.runtime.requestExperiment(quickTemplate());
      const final = await t.runtime.waitForFinal(executionId);
      await t.runtime.bus.idle();
      expect(final).toMatchObject({ status: 'ABORTED', verdict: 'FAILED' });
      expect(t.faults.active.size).toBe(0);
    });

    it('a fault that lands after an abort and cannot be undone ends ROLLBACK_FAILED, keeping the lease', async () => {
      t = await startTestRuntime();
      let executionId = '';
      const seen: string[] = [];
      t.runtime.bus.subscribe((e) => seen.push(e['detail-type']));
      t.faults.duringInject = async () => {
        await t.runtime.bus.publish([
          SafetyViolated.entry({
            executionId,
            experimentId: 'quick-latency',
            reason: 'operator',
            message: 'abort',
            at: new Date().toISOString(),
          }),
        ]);
        await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status !== 'INJECTING');
        t.faults.failRevert.add('network-latency');
      };
      executionId = await t.runtime.requestExperiment(quickTemplate());
      await waitFor(async () => seen.includes('RollbackFailed'));
      const final = await t.runtime.waitForFinal(executionId);
      await t.runtime.bus.idle();
      const after = (await t.runtime.store.getExecution(executionId))!;
      // ROLLBACK_FAILED, unless the aborted run had already ended: then its target is leased again.
      expect(['ROLLBACK_FAILED', 'ABORTED']).toContain(after.status);
      expect(after.verdict).toBe('FAILED');
      expect(await t.runtime.store.leaseHolder(final.targets![0]!.key)).toBe(executionId);
      expect(t.faults.active.size).toBe(1);
      expect((await t.runtime.store.listFaults(executionId)).map((f) => f.state)).toEqual(['REVERT_FAILED']);
    });

    it('a revert that fails ends ROLLBACK_FAILED, keeps the lease and announces RollbackFailed', async () => {
      t = await startTestRuntime();
      t.faults.failRevert.add('network-latency');
      const seen: string[] = [];
      t.runtime.bus.subscribe((e) => seen.push(e['detail-type']));
      const executionId = await t.runtime.requestExperiment(quickTemplate());
      const final = await t.runtime.waitForFinal(executionId);
      expect(final).toMatchObject({ status: 'ROLLBACK_FAILED', verdict: 'FAILED' });
      expect(seen).toEqual(expect.arrayContaining(['RollbackFailed', 'ExperimentCompleted']));
      expect(await t.runtime.store.leaseHolder(final.targets![0]!.key)).toBe(executionId);
    });

    it('an injection that fails is reverted and ends FAILED, never PASSED', async () => {
      t = await startTestRuntime();
      t.faults.failInject.add('network-latency');
      const executionId = await t.runtime.requestExperiment(quickTemplate());
      const final = await t.runtime.waitForFinal(executionId);
      expect(final).toMatchObject({ status: 'FAILED', verdict: 'INCONCLUSIVE' });
      expect((await t.runtime.store.listFaults(executionId)).map((f) => f.state)).toEqual(['REVERTED']);
    });
  });

  describe('7. bad input gets a named error and changes nothing', () => {
    it('a malformed event is refused with MalformedEventError, journaled and dead-lettered', async () => {
      t = await startTestRuntime();
      t.health.steadyNow = false;
      const executionId = await t.runtime.requestExperiment(heldInRecovery());
      await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'RECOVERING');
      const before = await t.runtime.store.getExecution(executionId);
      t.runtime.bus.putEvents(
        [
          {
            source: 'faultline',
            detailType: 'SafetyViolated',
            detail: { version: 1, executionId, experimentId: 'quick-latency', reason: 'gremlins' },
          },
        ],
        'custom',
      );
      await waitFor(async () => t.runtime.bus.deadLetters.length > 0);
      const letter = t.runtime.bus.deadLetters[0]!;
      expect(letter.error).toBeInstanceOf(MalformedEventError);
      expect(letter.error.message).toMatch(/malformed SafetyViolated: detail\.reason: .*detail\.message: /s);
      const after = await t.runtime.store.getExecution(executionId);
      expect(after?.version).toBe(before?.version);
      expect(after?.safety.violated).toBe(false);
      expect(
        (await t.runtime.store.readJournal(executionId)).some(
          (j) => j.action === 'refused event' && j.error?.includes('MalformedEventError'),
        ),
      ).toBe(true);
      t.health.steadyNow = true;
      expect(await t.runtime.waitForFinal(executionId)).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED' });
    });

    it('an event from another account is refused as forged and changes nothing', async () => {
      t = await startTestRuntime();
      t.health.steadyNow = false;
      const executionId = await t.runtime.requestExperiment(heldInRecovery());
      await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'RECOVERING');
      const before = await t.runtime.store.getExecution(executionId);
      const event = {
        version: '0',
        id: 'forged-1',
        'detail-type': 'SafetyViolated',
        source: 'faultline',
        account: '999999999999',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: {
          version: 1,
          executionId,
          experimentId: 'quick-latency',
          reason: 'operator',
          message: 'm',
          at: new Date().toISOString(),
        },
      } as BusEvent;
      t.runtime.bus.deliver(event, 'custom');
      await waitFor(async () => t.runtime.bus.deadLetters.length > 0);
      expect(t.runtime.bus.deadLetters[0]!.error).toBeInstanceOf(ForgedEventError);
      const after = await t.runtime.store.getExecution(executionId);
      expect(after?.version).toBe(before?.version);
      expect(after?.safety.violated).toBe(false);
      expect(
        (await t.runtime.store.readJournal(executionId)).some(
          (j) => j.action === 'refused event' && j.error?.includes('ForgedEventError'),
        ),
      ).toBe(true);
      t.health.steadyNow = true;
      expect(await t.runtime.waitForFinal(executionId)).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED' });
    });

    it('an invalid template is rejected with every problem and its path; nothing is injected', async () => {
      t = await startTestRuntime();
      const broken = {
        ...quickTemplate(),
        actions: { slow: { fault: 'solar-flare', target: 'nowhere', duration: 'soon' } },
      };
      const seen: BusEvent[] = [];
      t.runtime.bus.subscribe((e) => seen.push(e));
      const executionId = await t.runtime.requestExperiment(broken);
      const final = await t.runtime.waitForFinal(executionId);
      expect(final).toMatchObject({ status: 'REJECTED', verdict: 'INCONCLUSIVE' });
      const rejected = seen.find((e) => e['detail-type'] === 'ExperimentRejected')!.detail as {
        problems: { path: string }[];
      };
      expect(rejected.problems.map((p) => p.path)).toEqual(
        expect.arrayContaining(['actions.slow.fault', 'actions.slow.duration', 'actions.slow.target']),
      );
      expect(t.faults.injections).toHaveLength(0);
    });

    it('a fault type the runtime has no provider for is a rejection, not a pass', async () => {
      t = await startTestRuntime({ faults: new InMemoryFaults(['cpu-stress']) });
      const executionId = await t.runtime.requestExperiment(quickTemplate());
      const final = await t.runtime.waitForFinal(executionId);
      expect(final).toMatchObject({ status: 'REJECTED', verdict: 'INCONCLUSIVE' });
      expect(final.reasons).toEqual(['action slow: no local fault provider for fault type "network-latency"']);
    });

    it('a fis-experiment on a local target is refused by validation', async () => {
      t = await startTestRuntime();
      const executionId = await t.runtime.requestExperiment(
        quickTemplate({
          actions: {
            fis: {
              fault: 'fis-experiment',
              target: 'web',
              parameters: { experimentTemplateId: 'EXT1' },
              duration: 'PT1S',
            },
          },
        }),
      );
      const final = await t.runtime.waitForFinal(executionId);
      expect(final.status).toBe('REJECTED');
      expect(final.reasons?.join(' ')).toMatch(/fis-experiment runs on the aws provider only/);
    });
  });

  describe('5. blast radius and leases', () => {
    it('a target already in a running experiment is not taken by another', async () => {
      t = await startTestRuntime();
      t.health.steadyNow = false;
      const all = heldInRecovery({
        targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: 'ALL' } },
        safety: { environments: ['local'] },
      });
      const first = await t.runtime.requestExperiment(all);
      await waitFor(async () => (await t.runtime.store.getExecution(first))?.status === 'RECOVERING');
      const second = await t.runtime.requestExperiment({ ...all, id: 'quick-latency' });
      const rejected = await t.runtime.waitForFinal(second);
      expect(rejected.status).toBe('REJECTED');
      expect(rejected.reasons?.join(' ')).toMatch(/in (another|other) running experiments?/);
      t.health.steadyNow = true;
      await t.runtime.waitForFinal(first);
    });
  });
});
