import { join } from 'node:path';
import { AWS_EVENTS, CloudWatchAlarmStateChange, FAULTLINE_EVENTS, ScheduledEvent } from '../../events';
import { MalformedEventError } from '../../shared/errors';
import { matchesPattern } from '../../local/event-pattern';
import { loadFunctionRules } from '../../local/rules';
import { PHASES } from '../../shared/phases/definitions';
import { awsFixture, awsFixtureNames } from '../support/fixtures';

const rules = loadFunctionRules(join(__dirname, '../../serverless.yml'));

/** The envelope EventBridge wraps around a PutEvents entry. */
const delivered = (entry: { source: string; detailType: string; detail: Record<string, unknown> }) => ({
  version: '0',
  id: 'b1a8c2d4-0000-4000-8000-000000000001',
  'detail-type': entry.detailType,
  source: entry.source,
  account: '123456789012',
  time: '2026-11-29T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: entry.detail,
});

const consumersOf = (event: Record<string, unknown>, bus: 'custom' | 'default') =>
  rules.filter((r) => r.bus === bus && matchesPattern(r.pattern, event)).map((r) => r.functionName);

describe('faultline event contracts', () => {
  it('the catalogue holds the 14 events of docs/architecture.md §2, each once', () => {
    expect(FAULTLINE_EVENTS.map((c) => c.detailType)).toEqual([
      'ExperimentRequested',
      'ExperimentRejected',
      'ExperimentStarted',
      'FaultInjected',
      'InjectionFailed',
      'ObservationWindowElapsed',
      'ObservationCompleted',
      'SafetyViolated',
      'FaultReverted',
      'RollbackFailed',
      'RecoveryCheckDue',
      'RecoveryConfirmed',
      'RecoveryTimedOut',
      'ExperimentCompleted',
    ]);
  });

  describe.each(FAULTLINE_EVENTS.map((c) => [c.detailType, c] as const))('%s', (_name, contract) => {
    it('its fixture passes its parser, as published and delivered', () => {
      const entry = contract.entry(contract.fixture as never);
      const parsed = contract.parse(delivered(entry));
      expect(parsed.detail).toMatchObject({ version: contract.version });
      expect(parsed['detail-type']).toBe(contract.detailType);
    });

    it('a detail without executionId, or of another version, is a MalformedEventError naming the field', () => {
      const { executionId: _drop, ...rest } = contract.entry(contract.fixture as never).detail;
      expect(() =>
        contract.parse(delivered({ source: 'faultline', detailType: contract.detailType, detail: rest })),
      ).toThrow(
        expect.objectContaining({
          name: 'MalformedEventError',
          message: expect.stringContaining('detail.executionId'),
        }),
      );
      const other = { ...contract.entry(contract.fixture as never).detail, version: contract.version + 1 };
      expect(() =>
        contract.parse(delivered({ source: 'faultline', detailType: contract.detailType, detail: other })),
      ).toThrow(MalformedEventError);
    });

    it('reaches exactly the functions whose routes accept it', () => {
      const event = delivered(contract.entry(contract.fixture as never));
      const routed = Object.values(PHASES)
        .filter((p) => p.routes.some((r) => r.contract.detailType === contract.detailType))
        .map((p) => p.name);
      expect(
        consumersOf(event, 'custom')
          .filter((f) => f in PHASES)
          .sort(),
      ).toEqual(routed.sort());
    });
  });

  it('an event from another source is refused even with the right detail-type', () => {
    const entry = FAULTLINE_EVENTS[7].entry(FAULTLINE_EVENTS[7].fixture as never);
    expect(() => FAULTLINE_EVENTS[7].parse({ ...delivered(entry), source: 'com.example' })).toThrow(
      /source: expected "faultline"/,
    );
  });
});

describe('AWS events as AWS documents them', () => {
  const alarmFixtures = awsFixtureNames(/^cloudwatch-alarm-state-change\./);

  it.each(alarmFixtures)('%s parses and, in ALARM, reaches guard on the default bus only', (file) => {
    const event = awsFixture(file);
    const parsed = CloudWatchAlarmStateChange.parse(event);
    expect(parsed.detail.state.value).toBe('ALARM');
    expect(consumersOf(event, 'default')).toEqual(['guard']);
    expect(consumersOf(event, 'custom')).toEqual([]);
  });

  it('an alarm going back to OK does not reach guard', () => {
    const event = awsFixture('cloudwatch-alarm-state-change.single-metric.json') as {
      detail: { state: { value: string } };
    };
    event.detail.state.value = 'OK';
    expect(consumersOf(event as never, 'default')).toEqual([]);
  });

  it('the scheduled event parses', () => {
    expect(ScheduledEvent.parse(awsFixture('eventbridge-scheduled-event.json')).source).toBe('aws.events');
  });

  it('each AWS contract fixture parses inside a documented envelope', () => {
    for (const contract of AWS_EVENTS) {
      const event = {
        ...awsFixture('eventbridge-scheduled-event.json'),
        source: contract.source,
        'detail-type': contract.detailType,
        detail: contract.fixture,
      };
      expect(contract.parse(event).detail).toBeDefined();
    }
  });

  it('an alarm event missing its state is malformed', () => {
    const event = awsFixture('cloudwatch-alarm-state-change.single-metric.json') as { detail: Record<string, unknown> };
    delete event.detail.state;
    expect(() => CloudWatchAlarmStateChange.parse(event)).toThrow(/detail\.state/);
  });
});
