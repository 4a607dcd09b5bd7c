import type { Execution } from '../../shared/domain/execution';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo';
import { ExecutionStore, type Store } from '../../shared/store/execution-store';
import { InMemoryStore } from '../../testing/in-memory-store';

const execution = (executionId: string): Execution => ({
  executionId, experimentId: 'exp', templateVersion: 1, status: 'REQUESTED', version: 1, environment: 'local', dryRun: false,
  trigger: { type: 'cli' }, requestedAt: '2026-11-29T10:00:00.000Z', updatedAt: '2026-11-29T10:00:00.000Z', safety: { violated: false },
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
    expect(await store.transition('a', { from: ['PREPARING'], to: 'INJECTING', expectedVersion: 2 })).toMatchObject({ version: 3 });
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
    expect(await store.lease('local:replica:r2')).toMatchObject({ executionId: 'rf', pinned: true, reason: 'revert failed' });
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
      await store.journal('j', { phase: 'test', action: `step ${i}`, outcome: 'ok', detail: { pad: 'x'.repeat(40_000) } });
    }
    const journal = await store.readJournal('j');
    expect(journal.map((j) => j.action)).toEqual(Array.from({ length: 30 }, (_, i) => `step ${i}`));
  });

  it('the halt switch', async () => {
    expect(await store.haltState()).toBeUndefined();
    await store.halt('game day over', 'ops');
    expect(await store.haltState()).toMatchObject({ reason: 'game day over', by: 'ops' });
    await store.resume();
    expect(await store.haltState()).toBeUndefined();
  });
});
