/** Key prefixes of the single table, built here and nowhere else (docs/architecture.md §4). */
import type { Status } from '../domain/execution';

export const keys = {
  template: (id: string, version: number) => ({ pk: `TEMPLATE#${id}`, sk: `V#${String(version).padStart(6, '0')}` }),
  templatePartition: (id: string) => `TEMPLATE#${id}`,
  execution: (executionId: string) => ({ pk: `EXEC#${executionId}`, sk: 'STATE' }),
  executionPartition: (executionId: string) => `EXEC#${executionId}`,
  history: (executionId: string) => ({ pk: `EXEC#${executionId}`, sk: 'HISTORY' }),
  journalPrefix: 'LOG#',
  /** Journal entries by their place in the chain: the query order is the chain's order. */
  journal: (executionId: string, seq: number) => ({
    pk: `EXEC#${executionId}`,
    sk: `LOG#${String(seq).padStart(10, '0')}`,
  }),
  series: (executionId: string) => ({ pk: `EXEC#${executionId}`, sk: 'SERIES' }),
  /** That something was done once for an execution (its operational metrics counted). */
  mark: (executionId: string, what: string) => ({ pk: `EXEC#${executionId}`, sk: `MARK#${what}` }),
  faultPrefix: 'FAULT#',
  fault: (executionId: string, action: string, targetKey: string) => ({
    pk: `EXEC#${executionId}`,
    sk: `FAULT#${action}#${targetKey}`,
  }),
  watchPrefix: 'WATCH#',
  watch: (executionId: string, alarmName: string) => ({ pk: `EXEC#${executionId}`, sk: `WATCH#${alarmName}` }),
  lease: (targetKey: string) => ({ pk: `LEASE#${targetKey}`, sk: 'LEASE' }),
  /** Processed events are keyed per consumer: one event may rightly reach several functions. */
  processedEvent: (consumer: string, eventId: string) => ({ pk: `EVENT#${consumer}#${eventId}`, sk: 'EVENT' }),
  halt: () => ({ pk: 'HALT', sk: 'HALT' }),
  /** gsi1 access patterns. */
  byStatus: (status: Status) => `STATUS#${status}`,
  byAlarm: (alarmName: string) => `ALARM#${alarmName}`,
  byExperiment: (experimentId: string) => `EXPERIMENT#${experimentId}`,
  /** Free-form records of other flows (pipeline runs, game days), under their own partition. */
  record: (kind: string, id: string) => ({ pk: `${kind}#${id}`, sk: kind }),
} as const;

export const GSI1 = 'gsi1';
