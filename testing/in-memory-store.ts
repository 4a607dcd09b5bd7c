import type { Execution, FaultRecord, FaultState, JournalEntry, Status } from '../shared/domain/execution';
import { isFinal } from '../shared/domain/execution';
import type { Template } from '../shared/domain/template';
import { FaultlineError } from '../shared/errors';
import { chainEntry, chainHead } from '../shared/domain/journal-chain';
import { storedEntry } from '../shared/store/journal';
import { seriesBody } from '../shared/store/series';
import type { ExecutionSeries } from '../shared/domain/series';
import type { BusEntry, Clock } from '../shared/ports';
import type { EventClaim, Lease, Store, TransitionRequest } from '../shared/store/execution-store';

const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

/**
 * The execution store's twin in memory, for the interleaving tests: thousands of schedules, each
 * a whole experiment, would take minutes on dynalite. Every method answers as the DynamoDB store
 * does (conditions, versions, copies in and out); `test/integration/execution-store.test.ts` runs
 * the same assertions against both, so the twin cannot drift from the real store unnoticed.
 */
export class InMemoryStore implements Store {
  private readonly templates = new Map<string, Template>();
  private readonly executions = new Map<string, Execution>();
  private readonly history: { executionId: string; experimentId: string; requestedAt: string }[] = [];
  private readonly journals = new Map<string, JournalEntry[]>();
  private readonly faults = new Map<string, FaultRecord>();
  private readonly leases = new Map<string, Lease>();
  private readonly watches = new Map<string, Set<string>>();
  private readonly claims = new Map<
    string,
    { state: 'IN_PROGRESS' | 'PROCESSED'; lockedUntil?: string; ttl: number; published?: boolean; outputs?: string }
  >();
  private readonly records = new Map<string, Record<string, unknown>>();
  private readonly series = new Map<string, string>();
  private readonly marks = new Set<string>();
  private haltSwitch: { reason: string; by: string; at: string } | undefined;

  constructor(private readonly clock: Clock = { now: () => new Date() }) {}

  async putTemplate(template: Template): Promise<void> {
    const key = `${template.id}#${template.version}`;
    const stored = this.templates.get(key);
    if (stored && JSON.stringify(stored) !== JSON.stringify(template)) {
      throw new FaultlineError(
        `template ${template.id} version ${template.version} is already stored with other content: raise its version`,
      );
    }
    if (!stored) this.templates.set(key, copy(template));
  }

  async getTemplate(id: string, version?: number): Promise<Template | undefined> {
    if (version !== undefined) return copy(this.templates.get(`${id}#${version}`));
    const newest = [...this.templates.values()].filter((t) => t.id === id).sort((a, b) => b.version - a.version)[0];
    return copy(newest);
  }

  async createExecution(execution: Execution): Promise<boolean> {
    if (this.executions.has(execution.executionId)) return false;
    this.executions.set(execution.executionId, copy(execution));
    this.history.push({
      executionId: execution.executionId,
      experimentId: execution.experimentId,
      requestedAt: execution.requestedAt,
    });
    return true;
  }

  async getExecution(executionId: string): Promise<Execution | undefined> {
    return copy(this.executions.get(executionId));
  }

  async transition(executionId: string, request: TransitionRequest): Promise<Execution | null> {
    const from: readonly Status[] = request.from.filter((s) => !isFinal(s));
    const current = this.executions.get(executionId);
    if (!current || !from.includes(current.status)) return null;
    if (request.expectedVersion !== undefined && current.version !== request.expectedVersion) return null;
    const next: Execution = { ...current, version: current.version + 1, updatedAt: this.clock.now().toISOString() };
    if (request.to) next.status = request.to;
    for (const [field, value] of Object.entries(request.set ?? {})) {
      if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = copy(value);
    }
    this.executions.set(executionId, next);
    return copy(next);
  }

  async executionsInStatus(status: Status): Promise<Execution[]> {
    return [...this.executions.values()]
      .filter((e) => e.status === status)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
      .map(copy);
  }

  async executionsOfExperiment(experimentId: string, limit = 20): Promise<string[]> {
    return this.history
      .filter((h) => h.experimentId === experimentId)
      .sort((a, b) => `${b.requestedAt}#${b.executionId}`.localeCompare(`${a.requestedAt}#${a.executionId}`))
      .slice(0, limit)
      .map((h) => h.executionId);
  }

  async journal(executionId: string, entry: Parameters<Store['journal']>[1]): Promise<void> {
    const list = this.journals.get(executionId) ?? [];
    const content = storedEntry({ ...entry, at: entry.at ?? this.clock.now().toISOString() });
    list.push(chainEntry(executionId, chainHead(list), content));
    this.journals.set(executionId, list);
  }

  async readJournal(executionId: string): Promise<JournalEntry[]> {
    return (this.journals.get(executionId) ?? []).map(copy);
  }

  private faultKey = (f: Pick<FaultRecord, 'executionId' | 'action' | 'target'>) =>
    `${f.executionId}#${f.action}#${f.target.key}`;

  async recordFault(fault: FaultRecord): Promise<boolean> {
    const key = this.faultKey(fault);
    if (this.faults.has(key)) return false;
    this.faults.set(key, copy(fault));
    return true;
  }

  async updateFault(
    fault: Pick<FaultRecord, 'executionId' | 'action' | 'target'>,
    from: readonly FaultState[],
    to: FaultState,
    set: Partial<Pick<FaultRecord, 'handle' | 'injectedAt' | 'revertedAt' | 'error'>> = {},
  ): Promise<FaultRecord | null> {
    const key = this.faultKey(fault);
    const current = this.faults.get(key);
    if (!current || !from.includes(current.state)) return null;
    const next: FaultRecord = { ...current, state: to };
    for (const [field, value] of Object.entries(set)) {
      if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = copy(value);
    }
    this.faults.set(key, next);
    return copy(next);
  }

  async listFaults(executionId: string): Promise<FaultRecord[]> {
    return [...this.faults.entries()]
      .filter(([, f]) => f.executionId === executionId)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, f]) => copy(f));
  }

  async acquireLease(targetKey: string, executionId: string): Promise<boolean> {
    const lease = this.leases.get(targetKey);
    const take = () => {
      this.leases.set(targetKey, { targetKey, executionId, pinned: false, at: this.clock.now().toISOString() });
      return true;
    };
    if (!lease || (lease.executionId === executionId && !lease.pinned)) return take();
    if (lease.pinned || lease.executionId === executionId) return false;
    const holder = this.executions.get(lease.executionId);
    if (holder && (!isFinal(holder.status) || holder.status === 'ROLLBACK_FAILED')) return false;
    return take();
  }

  async pinLease(targetKey: string, executionId: string, reason: string): Promise<boolean> {
    const lease = this.leases.get(targetKey);
    if (lease && lease.executionId !== executionId) return false;
    this.leases.set(targetKey, {
      targetKey,
      executionId,
      pinned: true,
      reason: reason.slice(0, 1024),
      at: this.clock.now().toISOString(),
    });
    return true;
  }

  async releaseLease(targetKey: string, executionId: string): Promise<void> {
    const lease = this.leases.get(targetKey);
    if (lease && lease.executionId === executionId && !lease.pinned) this.leases.delete(targetKey);
  }

  async releaseLeaseByHand(targetKey: string): Promise<Lease | undefined> {
    const lease = this.leases.get(targetKey);
    this.leases.delete(targetKey);
    return copy(lease);
  }

  async lease(targetKey: string): Promise<Lease | undefined> {
    return copy(this.leases.get(targetKey));
  }

  async leaseHolder(targetKey: string): Promise<string | undefined> {
    return this.leases.get(targetKey)?.executionId;
  }

  async watchAlarms(executionId: string, alarmNames: readonly string[]): Promise<void> {
    for (const alarm of alarmNames) {
      const set = this.watches.get(alarm) ?? new Set<string>();
      set.add(executionId);
      this.watches.set(alarm, set);
    }
  }

  async unwatchAlarms(executionId: string, alarmNames: readonly string[]): Promise<void> {
    for (const alarm of alarmNames) this.watches.get(alarm)?.delete(executionId);
  }

  async executionsWatchingAlarm(alarmName: string): Promise<string[]> {
    return [...(this.watches.get(alarmName) ?? [])].sort();
  }

  async claimEvent(consumer: string, eventId: string, lockMs: number, retentionMs: number): Promise<EventClaim> {
    const key = `${consumer}#${eventId}`;
    const now = this.clock.now();
    const claim = this.claims.get(key);
    const free =
      !claim ||
      (claim.state === 'IN_PROGRESS' && (claim.lockedUntil ?? '') < now.toISOString()) ||
      claim.ttl < Math.floor(now.getTime() / 1000);
    if (free) {
      this.claims.set(key, {
        state: 'IN_PROGRESS',
        lockedUntil: new Date(now.getTime() + lockMs).toISOString(),
        ttl: Math.ceil((now.getTime() + retentionMs) / 1000),
      });
      return { kind: 'claimed' };
    }
    if (claim.state === 'PROCESSED' && claim.published === false)
      return { kind: 'unpublished', outputs: JSON.parse(claim.outputs ?? '[]') as BusEntry[] };
    if (claim.state === 'IN_PROGRESS') return { kind: 'in-progress' };
    return { kind: 'duplicate' };
  }

  async completeEvent(consumer: string, eventId: string, outputs: readonly BusEntry[]): Promise<void> {
    const claim = this.claims.get(`${consumer}#${eventId}`);
    const ttl = claim?.ttl ?? Math.ceil(this.clock.now().getTime() / 1000);
    this.claims.set(`${consumer}#${eventId}`, {
      state: 'PROCESSED',
      ttl,
      published: false,
      outputs: JSON.stringify(outputs),
    });
  }

  async markPublished(consumer: string, eventId: string): Promise<void> {
    const claim = this.claims.get(`${consumer}#${eventId}`);
    if (claim) this.claims.set(`${consumer}#${eventId}`, { state: claim.state, ttl: claim.ttl, published: true });
  }

  async releaseEvent(consumer: string, eventId: string): Promise<void> {
    if (this.claims.get(`${consumer}#${eventId}`)?.state === 'IN_PROGRESS')
      this.claims.delete(`${consumer}#${eventId}`);
  }

  async halt(reason: string, by: string): Promise<void> {
    this.haltSwitch = { reason, by, at: this.clock.now().toISOString() };
  }

  async resume(): Promise<void> {
    this.haltSwitch = undefined;
  }

  async haltState(): Promise<{ reason: string; by: string; at: string } | undefined> {
    return copy(this.haltSwitch);
  }

  async putRecordOnce(kind: string, id: string, body: Record<string, unknown>): Promise<boolean> {
    if (this.records.has(`${kind}#${id}`)) return false;
    this.records.set(`${kind}#${id}`, copy(body));
    return true;
  }

  async getRecord<T = Record<string, unknown>>(kind: string, id: string): Promise<T | undefined> {
    return copy(this.records.get(`${kind}#${id}`)) as T | undefined;
  }

  async updateRecord(
    kind: string,
    id: string,
    set: Record<string, unknown>,
    condition?: { field: string; expected: readonly unknown[] },
  ): Promise<boolean> {
    const current = this.records.get(`${kind}#${id}`);
    if (!current) return false;
    if (condition && !condition.expected.includes(current[condition.field])) return false;
    this.records.set(`${kind}#${id}`, { ...current, ...copy(set) });
    return true;
  }

  async putSeries(executionId: string, series: ExecutionSeries): Promise<boolean> {
    if (this.series.has(executionId)) return false;
    this.series.set(executionId, seriesBody(series));
    return true;
  }

  async readSeries(executionId: string): Promise<ExecutionSeries | null> {
    const body = this.series.get(executionId);
    return body === undefined ? null : (JSON.parse(body) as ExecutionSeries);
  }

  async markOnce(executionId: string, what: string): Promise<boolean> {
    const key = `${executionId}#${what}`;
    if (this.marks.has(key)) return false;
    this.marks.add(key);
    return true;
  }
}
