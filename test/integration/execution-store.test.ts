import type { Execution, FaultRecord } from '../../shared/domain/execution';
import { parseTemplate } from '../../shared/domain/template';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo';
import { ExecutionStore, type Store } from '../../shared/store/execution-store';
import { InMemoryStore } from '../../testing/in-memory-store';
import { quickTemplate } from '../support/templates';
import { chainHead, chainProblems, GENESIS } from '../../shared/domain/journal-chain';
import type { ExecutionSeries } from '../../shared/domain/series';

const execution = (executionId: string): Execution => ({
  executionId,
  experimentId: 'exp',
  templateVersion: 1,
  status: 'REQUESTED',
  version: 1,
  environment: 'local',
  dryRun: false,
  trigger: { type: 'cli' },
  requestedAt: '2026-11-29T10:00:00.000Z',
  updatedAt: '2026-11-29T10:00:00.000Z',
  safety: { violated: false },
});

const fault = (executionId: string, action: string): FaultRecord => ({
  executionId,
  action,
  faultType: 'network-latency',
  parameters: { delayMs: 100 },
  state: 'ARMED',
  target: { name: 'web', provider: 'local', resourceType: 'local:replica', id: 'r1', key: 'local:replica:r1' },
  armedAt: '2026-11-29T10:00:00.000Z',
  expiresAt: '2026-11-29T10:05:00.000Z',
});

/** The same assertions hold for the DynamoDB store on dynalite and for its in-memory twin. */
describe.each(['dynalite', 'memory'] as const)('ExecutionStore (%s)', (kind) => {
  let dynamo: EmbeddedDynamo | undefined;
  let store: Store;
  let now = new Date('2026-11-29T10:00:00Z');
  beforeAll(async () => {
    if (kind === 'memory') {
      store = new InMemoryStore({ now: () => now });
      return;
    }
    dynamo = await startEmbeddedDynamo('store-test');
    store = new ExecutionStore(dynamo.client, 'store-test', { now: () => now });
  });
  afterAll(async () => dynamo?.close());

  it('creates an execution once', async () => {
    expect(await store.createExecution(execution('a'))).toBe(true);
    expect(await store.createExecution(execution('a'))).toBe(false);
  });

  it('moves status only from the expected one, counting versions', async () => {
    expect(await store.transition('a', { from: ['PREPARING'], to: 'INJECTING' })).toBeNull();
    const next = await store.transition('a', { from: ['REQUESTED'], to: 'PREPARING' });
    expect(next).toMatchObject({ status: 'PREPARING', version: 2 });
    expect(await store.transition('a', { from: ['PREPARING'], to: 'INJECTING', expectedVersion: 1 })).toBeNull();
    expect(await store.transition('a', { from: ['PREPARING'], to: 'INJECTING', expectedVersion: 2 })).toMatchObject({
      version: 3,
    });
    expect(await store.executionsInStatus('INJECTING')).toEqual([expect.objectContaining({ executionId: 'a' })]);
  });

  it('never leaves a final status, nor changes a final execution', async () => {
    await store.transition('a', { from: ['INJECTING'], to: 'ABORTED' });
    expect(await store.transition('a', { from: ['ABORTED'], to: 'COMPLETED' })).toBeNull();
    expect(await store.transition('a', { from: ['ABORTED'], set: { verdict: 'PASSED' } })).toBeNull();
    expect((await store.getExecution('a'))?.status).toBe('ABORTED');
  });

  it('a transition of an execution that does not exist creates nothing', async () => {
    expect(await store.transition('ghost', { from: ['REQUESTED'], to: 'PREPARING' })).toBeNull();
    expect(await store.getExecution('ghost')).toBeUndefined();
  });

  it('leases: one execution per target, never expiring by time; taken over only from an ended holder', async () => {
    await store.createExecution(execution('x'));
    expect(await store.acquireLease('local:replica:r1', 'x')).toBe(true);
    expect(await store.acquireLease('local:replica:r1', 'y')).toBe(false);
    expect(await store.acquireLease('local:replica:r1', 'x')).toBe(true);
    await store.releaseLease('local:replica:r1', 'y');
    expect(await store.leaseHolder('local:replica:r1')).toBe('x');
    now = new Date(now.getTime() + 30 * 24 * 3_600_000);
    expect(await store.acquireLease('local:replica:r1', 'y')).toBe(false);
    await store.transition('x', { from: ['REQUESTED'], to: 'COMPLETED' });
    expect(await store.acquireLease('local:replica:r1', 'y')).toBe(true);
    expect(await store.leaseHolder('local:replica:r1')).toBe('y');
  });

  it('a pinned lease (a fault may be active) is kept from everyone, its holder included, until a person releases it', async () => {
    await store.createExecution(execution('rf'));
    expect(await store.acquireLease('local:replica:r2', 'rf')).toBe(true);
    expect(await store.pinLease('local:replica:r2', 'rf', 'revert failed')).toBe(true);
    await store.transition('rf', { from: ['REQUESTED'], to: 'ROLLBACK_FAILED' });
    await store.releaseLease('local:replica:r2', 'rf');
    expect(await store.acquireLease('local:replica:r2', 'other')).toBe(false);
    expect(await store.acquireLease('local:replica:r2', 'rf')).toBe(false);
    expect(await store.pinLease('local:replica:r2', 'other', 'x')).toBe(false);
    expect(await store.lease('local:replica:r2')).toMatchObject({
      executionId: 'rf',
      pinned: true,
      reason: 'revert failed',
    });
    expect(await store.releaseLeaseByHand('local:replica:r2')).toMatchObject({ executionId: 'rf', pinned: true });
    expect(await store.releaseLeaseByHand('local:replica:r2')).toBeUndefined();
    expect(await store.acquireLease('local:replica:r2', 'other')).toBe(true);
  });

  it('claims an event once per consumer; a crashed claim can be retried after its lock', async () => {
    expect(await store.claimEvent('inject', 'ev-1', 1000, 60_000)).toEqual({ kind: 'claimed' });
    expect(await store.claimEvent('inject', 'ev-1', 1000, 60_000)).toEqual({ kind: 'in-progress' });
    expect(await store.claimEvent('observe', 'ev-1', 1000, 60_000)).toEqual({ kind: 'claimed' });
    now = new Date(now.getTime() + 2000);
    expect(await store.claimEvent('inject', 'ev-1', 1000, 60_000)).toEqual({ kind: 'claimed' });
    const outputs = [{ source: 'faultline', detailType: 'FaultInjected', detail: { a: 1 } }];
    await store.completeEvent('inject', 'ev-1', outputs);
    expect(await store.claimEvent('inject', 'ev-1', 1000, 60_000)).toEqual({ kind: 'unpublished', outputs });
    await store.markPublished('inject', 'ev-1');
    now = new Date(now.getTime() + 5000);
    expect(await store.claimEvent('inject', 'ev-1', 1000, 60_000)).toEqual({ kind: 'duplicate' });
  });

  it('journal entries read back in order, across pages', async () => {
    await store.createExecution(execution('j'));
    for (let i = 0; i < 30; i++) {
      now = new Date(now.getTime() + 1);
      await store.journal('j', {
        phase: 'test',
        action: `step ${i}`,
        outcome: 'ok',
        detail: { pad: 'x'.repeat(40_000) },
      });
    }
    const journal = await store.readJournal('j');
    expect(journal.map((j) => j.action)).toEqual(Array.from({ length: 30 }, (_, i) => `step ${i}`));
  });

  it('journal entries form one hash chain, even when written concurrently', async () => {
    await store.createExecution(execution('chain'));
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.journal('chain', { phase: 'test', action: `writer ${i}`, outcome: 'ok', detail: { i, ratio: 0.1 } }),
      ),
    );
    const journal = await store.readJournal('chain');
    expect(journal.map((j) => j.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(journal.map((j) => j.action)).size).toBe(12);
    expect(journal[0]!.prev).toBe(GENESIS);
    expect(chainProblems('chain', journal, chainHead(journal))).toEqual([]);
    // What was read is what was hashed: one changed field breaks it.
    const altered = journal.map((j, i) => (i === 5 ? { ...j, outcome: 'failed' as const } : j));
    expect(chainProblems('chain', altered, chainHead(journal))).toEqual([
      expect.stringContaining('entry 6 (test writer'),
    ]);
  });

  it("an execution's series is stored once and read back whole", async () => {
    const series: ExecutionSeries = {
      from: '2026-11-29T10:00:00.000Z',
      to: '2026-11-29T10:01:00.000Z',
      periodSeconds: 1,
      series: [
        {
          name: 'availabilityPercent',
          label: 'Availability',
          unit: '%',
          points: [
            [1, 100],
            [2, null],
          ],
        },
      ],
      spans: [{ name: 'observation', from: '2026-11-29T10:00:10.000Z', to: '2026-11-29T10:00:40.000Z' }],
      markers: [{ at: '2026-11-29T10:00:10.000Z', kind: 'fault-injected', label: 'kill injected on r1' }],
    };
    expect(await store.readSeries('s')).toBeNull();
    expect(await store.putSeries('s', series)).toBe(true);
    expect(await store.putSeries('s', { ...series, series: [] })).toBe(false);
    expect(await store.readSeries('s')).toEqual(series);
  });

  it('a mark is made once per execution and name', async () => {
    expect(await store.markOnce('m', 'metrics')).toBe(true);
    expect(await store.markOnce('m', 'metrics')).toBe(false);
    expect(await store.markOnce('m', 'other')).toBe(true);
    expect(await store.markOnce('m2', 'metrics')).toBe(true);
  });

  it('the halt switch', async () => {
    expect(await store.haltState()).toBeUndefined();
    await store.halt('game day over', 'ops');
    expect(await store.haltState()).toMatchObject({ reason: 'game day over', by: 'ops' });
    await store.resume();
    expect(await store.haltState()).toBeUndefined();
  });

  it('templates: a version is stored once; the newest is read when no version is given', async () => {
    const v1 = parseTemplate(quickTemplate());
    const v2 = parseTemplate(quickTemplate({ version: 2 }));
    await store.putTemplate(v1);
    await store.putTemplate(v1);
    await store.putTemplate(v2);
    await expect(store.putTemplate({ ...v1, description: 'other' })).rejects.toThrow('raise its version');
    expect(await store.getTemplate(v1.id, 1)).toEqual(v1);
    expect(await store.getTemplate(v1.id)).toEqual(v2);
    expect(await store.getTemplate('unknown')).toBeUndefined();
  });

  it('executions of an experiment, newest first', async () => {
    await store.createExecution({ ...execution('h1'), experimentId: 'hist', requestedAt: '2026-11-29T09:00:00.000Z' });
    await store.createExecution({ ...execution('h2'), experimentId: 'hist', requestedAt: '2026-11-29T09:30:00.000Z' });
    expect(await store.executionsOfExperiment('hist')).toEqual(['h2', 'h1']);
    expect(await store.executionsOfExperiment('hist', 1)).toEqual(['h2']);
  });

  it('faults: recorded once, moved only from an expected state', async () => {
    expect(await store.recordFault(fault('f', 'slow'))).toBe(true);
    expect(await store.recordFault(fault('f', 'slow'))).toBe(false);
    expect(await store.updateFault(fault('f', 'slow'), ['INJECTED'], 'REVERTED')).toBeNull();
    const injected = await store.updateFault(fault('f', 'slow'), ['ARMED'], 'INJECTED', { handle: { id: 'h' } });
    expect(injected).toMatchObject({ state: 'INJECTED', handle: { id: 'h' } });
    expect(await store.updateFault(fault('f', 'ghost'), ['ARMED'], 'INJECTED')).toBeNull();
    await store.recordFault(fault('f', 'kill'));
    const listed = await store.listFaults('f');
    expect(listed.map((f) => [f.action, f.state])).toEqual([
      ['kill', 'ARMED'],
      ['slow', 'INJECTED'],
    ]);
  });

  it('alarm watches: the executions that named an alarm', async () => {
    await store.watchAlarms('w2', ['p95', 'errors']);
    await store.watchAlarms('w1', ['p95']);
    expect(await store.executionsWatchingAlarm('p95')).toEqual(['w1', 'w2']);
    await store.unwatchAlarms('w2', ['p95', 'errors']);
    expect(await store.executionsWatchingAlarm('p95')).toEqual(['w1']);
    expect(await store.executionsWatchingAlarm('errors')).toEqual([]);
  });

  it('records: created once, updated only when their condition holds', async () => {
    expect(await store.putRecordOnce('RUN', 'r', { status: 'RUNNING', next: 0 })).toBe(true);
    expect(await store.putRecordOnce('RUN', 'r', { status: 'OTHER' })).toBe(false);
    expect(await store.updateRecord('RUN', 'r', { next: 1 }, { field: 'next', expected: [1] })).toBe(false);
    expect(await store.updateRecord('RUN', 'r', { next: 1 }, { field: 'next', expected: [0] })).toBe(true);
    expect(await store.updateRecord('RUN', 'ghost', { next: 1 })).toBe(false);
    expect(await store.getRecord('RUN', 'r')).toEqual({ status: 'RUNNING', next: 1 });
    expect(await store.getRecord('RUN', 'ghost')).toBeUndefined();
  });
});
