import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../ports';
import { AlarmWatches, type AlarmWatchRepository } from './alarm-watches';
import { EventClaims, type EventClaimRepository } from './event-claims';
import { Executions, type ExecutionRepository } from './executions';
import { Faults, type FaultRepository } from './faults';
import { HaltSwitch, type HaltSwitchRepository } from './halt-switch';
import { Journal, type JournalRepository } from './journal';
import { Leases, type LeaseRepository } from './leases';
import { Marks, type MarkRepository } from './marks';
import { Records, type RecordRepository } from './records';
import { SeriesRecords, type SeriesRepository } from './series';
import { Table } from './table';
import { Templates, type TemplateRepository } from './templates';

export type { AlarmWatchRepository } from './alarm-watches';
export type { EventClaim, EventClaimRepository } from './event-claims';
export type { ExecutionRepository, TransitionRequest } from './executions';
export type { FaultRepository } from './faults';
export type { HaltState, HaltSwitchRepository } from './halt-switch';
export type { JournalRepository } from './journal';
export type { Lease, LeaseRepository } from './leases';
export type { MarkRepository } from './marks';
export type { RecordRepository } from './records';
export type { SeriesRepository } from './series';
export type { TemplateRepository } from './templates';

/**
 * What the phases work with: every access pattern of the table. A function needing fewer depends
 * on one repository or a `Pick` of this; an in-memory twin serves the interleaving tests.
 */
export type Store = TemplateRepository &
  ExecutionRepository &
  JournalRepository &
  FaultRepository &
  LeaseRepository &
  AlarmWatchRepository &
  EventClaimRepository &
  HaltSwitchRepository &
  RecordRepository &
  SeriesRepository &
  MarkRepository;

/**
 * The store on DynamoDB (one table, docs/architecture.md §4): the repositories of its access patterns
 * under one name. Every status change is a single-item conditional write; a failed condition
 * becomes a domain answer (`null`, `false`) in `conditionally` and nowhere else.
 */
export class ExecutionStore implements Store {
  private readonly templates: TemplateRepository;
  private readonly executions: ExecutionRepository;
  private readonly journals: JournalRepository;
  private readonly faults: FaultRepository;
  private readonly leases: LeaseRepository;
  private readonly watches: AlarmWatchRepository;
  private readonly claims: EventClaimRepository;
  private readonly haltSwitch: HaltSwitchRepository;
  private readonly records: RecordRepository;
  private readonly series: SeriesRepository;
  private readonly marks: MarkRepository;

  constructor(client: DynamoDBClient, tableName: string, clock: Clock = { now: () => new Date() }) {
    const table = new Table(client, tableName, clock);
    this.templates = new Templates(table);
    this.executions = new Executions(table);
    this.journals = new Journal(table);
    this.faults = new Faults(table);
    this.leases = new Leases(table, this.executions);
    this.watches = new AlarmWatches(table);
    this.claims = new EventClaims(table);
    this.haltSwitch = new HaltSwitch(table);
    this.records = new Records(table);
    this.series = new SeriesRecords(table);
    this.marks = new Marks(table);
  }

  putTemplate: Store['putTemplate'] = (template) => this.templates.putTemplate(template);
  getTemplate: Store['getTemplate'] = (id, version) => this.templates.getTemplate(id, version);

  createExecution: Store['createExecution'] = (execution) => this.executions.createExecution(execution);
  getExecution: Store['getExecution'] = (executionId) => this.executions.getExecution(executionId);
  transition: Store['transition'] = (executionId, request) => this.executions.transition(executionId, request);
  executionsInStatus: Store['executionsInStatus'] = (status) => this.executions.executionsInStatus(status);
  executionsOfExperiment: Store['executionsOfExperiment'] = (experimentId, limit) =>
    this.executions.executionsOfExperiment(experimentId, limit);

  journal: Store['journal'] = (executionId, entry) => this.journals.journal(executionId, entry);
  readJournal: Store['readJournal'] = (executionId) => this.journals.readJournal(executionId);

  recordFault: Store['recordFault'] = (fault) => this.faults.recordFault(fault);
  updateFault: Store['updateFault'] = (fault, from, to, set) => this.faults.updateFault(fault, from, to, set);
  listFaults: Store['listFaults'] = (executionId) => this.faults.listFaults(executionId);

  acquireLease: Store['acquireLease'] = (targetKey, executionId) => this.leases.acquireLease(targetKey, executionId);
  pinLease: Store['pinLease'] = (targetKey, executionId, reason) =>
    this.leases.pinLease(targetKey, executionId, reason);
  releaseLease: Store['releaseLease'] = (targetKey, executionId) => this.leases.releaseLease(targetKey, executionId);
  releaseLeaseByHand: Store['releaseLeaseByHand'] = (targetKey) => this.leases.releaseLeaseByHand(targetKey);
  lease: Store['lease'] = (targetKey) => this.leases.lease(targetKey);
  leaseHolder: Store['leaseHolder'] = (targetKey) => this.leases.leaseHolder(targetKey);

  watchAlarms: Store['watchAlarms'] = (executionId, alarmNames) => this.watches.watchAlarms(executionId, alarmNames);
  unwatchAlarms: Store['unwatchAlarms'] = (executionId, alarmNames) =>
    this.watches.unwatchAlarms(executionId, alarmNames);
  executionsWatchingAlarm: Store['executionsWatchingAlarm'] = (alarmName) =>
    this.watches.executionsWatchingAlarm(alarmName);

  claimEvent: Store['claimEvent'] = (consumer, eventId, lockMs, retentionMs) =>
    this.claims.claimEvent(consumer, eventId, lockMs, retentionMs);
  completeEvent: Store['completeEvent'] = (consumer, eventId, outputs) =>
    this.claims.completeEvent(consumer, eventId, outputs);
  markPublished: Store['markPublished'] = (consumer, eventId) => this.claims.markPublished(consumer, eventId);
  releaseEvent: Store['releaseEvent'] = (consumer, eventId) => this.claims.releaseEvent(consumer, eventId);

  halt: Store['halt'] = (reason, by) => this.haltSwitch.halt(reason, by);
  resume: Store['resume'] = () => this.haltSwitch.resume();
  haltState: Store['haltState'] = () => this.haltSwitch.haltState();

  putRecordOnce: Store['putRecordOnce'] = (kind, id, body) => this.records.putRecordOnce(kind, id, body);
  getRecord: Store['getRecord'] = <T>(kind: string, id: string) => this.records.getRecord<T>(kind, id);
  updateRecord: Store['updateRecord'] = (kind, id, set, condition) =>
    this.records.updateRecord(kind, id, set, condition);

  putSeries: Store['putSeries'] = (executionId, series) => this.series.putSeries(executionId, series);
  readSeries: Store['readSeries'] = (executionId) => this.series.readSeries(executionId);

  markOnce: Store['markOnce'] = (executionId, what) => this.marks.markOnce(executionId, what);
}
