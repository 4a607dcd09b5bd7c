import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { GameDayDue } from '../../events';
import { RECORDS } from '../../shared/delivery/dependencies';
import type { GameDayRun, SuiteLock } from '../../shared/delivery/game-day';
import { runGameDay } from '../../local/delivery';
import type { Suite } from '../../shared/delivery/suite';
import {
  boundTemplate,
  startDeliveryRuntime,
  storeTemplates,
  waitFor,
  type DeliveryTestRuntime,
} from '../support/delivery';
import { quickTemplate } from '../support/templates';

// Whole experiments run on the embedded runtime: bounded at 60 s, not jest's 5 s (a loaded machine).
jest.setTimeout(60_000);

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const hourAhead = () => new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('game days on the embedded runtime', () => {
  let t: DeliveryTestRuntime;
  let published: Array<{ type: string; detail: Record<string, unknown> }>;
  beforeEach(async () => {
    t = await startDeliveryRuntime({ account: '000000000000' });
    published = [];
    t.runtime.bus.subscribe((e) =>
      published.push({ type: e['detail-type'], detail: e.detail as Record<string, unknown> }),
    );
    await storeTemplates(t, boundTemplate('stored-latency', []));
  });
  afterEach(async () => {
    await t.runtime.stop();
  });

  it('runs a suite file (a template by path, one by stored id) one after the other and publishes GameDayCompleted once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-gameday-'));
    writeFileSync(join(dir, 'latency.yaml'), stringify(quickTemplate({ id: 'file-latency' })));
    writeFileSync(
      join(dir, 'suite.yaml'),
      stringify({ name: 'local-suite', templates: ['./latency.yaml', 'stored-latency'] }),
    );

    const summary = await runGameDay(t.runtime, join(dir, 'suite.yaml')).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );

    expect(summary).toMatchObject({ suite: 'local-suite', status: 'COMPLETED', verdict: 'PASSED' });
    expect(summary.executions.map((e) => [e.experimentId, e.status, e.verdict])).toEqual([
      ['file-latency', 'COMPLETED', 'PASSED'],
      ['stored-latency', 'COMPLETED', 'PASSED'],
    ]);
    // Sequential: the second was requested only once the first had completed.
    const order = published
      .filter((p) => ['ExperimentRequested', 'ExperimentCompleted'].includes(p.type))
      .map((p) => `${p.type}:${p.detail.experimentId}`);
    expect(order).toEqual([
      'ExperimentRequested:file-latency',
      'ExperimentCompleted:file-latency',
      'ExperimentRequested:stored-latency',
      'ExperimentCompleted:stored-latency',
    ]);
    const completed = published.filter((p) => p.type === 'GameDayCompleted');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.detail).toMatchObject({
      version: 1,
      suite: 'local-suite',
      runId: summary.runId,
      environment: 'local',
      verdict: 'PASSED',
      counts: { total: 2, passed: 2, failed: 0, inconclusive: 0 },
    });
    expect(await t.runtime.store.getRecord<SuiteLock>(RECORDS.suiteLock, 'local-suite')).toMatchObject({
      status: 'IDLE',
      runId: summary.runId,
    });
  });

  it('parallel order requests every experiment at once; one failure makes the suite FAILED', async () => {
    await storeTemplates(t, boundTemplate('stored-dependency', [], {}, 'local:dependency'));
    t.metrics.figures = { availabilityPercent: 80, latencyMs: { p50: 20, p95: 50, p99: 80 }, requests: 100 };
    const suite: Suite = {
      name: 'parallel-suite',
      description: '',
      templates: ['stored-latency', 'stored-dependency'],
      order: 'parallel',
      dryRun: false,
      blackouts: [],
    };
    const summary = await runGameDay(t.runtime, suite);
    expect(summary).toMatchObject({ status: 'COMPLETED', verdict: 'FAILED' });
    const types = published.map((p) => p.type);
    expect(types.indexOf('ExperimentCompleted')).toBeGreaterThan(types.lastIndexOf('ExperimentRequested'));
    expect(published.filter((p) => p.type === 'GameDayCompleted')[0]!.detail).toMatchObject({
      counts: { total: 2, failed: 2 },
    });
  });

  it('a scheduled suite inside a blackout window does not run, and the reason is journaled in its game-day record', async () => {
    const blackout = { from: hourAgo(), to: hourAhead(), reason: 'release freeze' };
    const suite: Suite = {
      name: 'frozen',
      description: '',
      templates: ['stored-latency'],
      order: 'sequential',
      dryRun: false,
      blackouts: [blackout],
    };
    await t.runtime.bus.publish([
      GameDayDue.entry({ suite, dueAt: new Date().toISOString(), runId: 'frozen-run', requestedBy: 'schedule' }),
    ]);
    await waitFor(async () => (await t.runtime.store.getRecord(RECORDS.gameDayRun, 'frozen-run')) !== undefined);
    await t.runtime.bus.idle();

    const record = (await t.runtime.store.getRecord<GameDayRun>(RECORDS.gameDayRun, 'frozen-run'))!;
    const reason = `inside blackout window "release freeze" (${blackout.from} to ${blackout.to})`;
    expect(record).toMatchObject({ suite: 'frozen', status: 'SKIPPED', reason, executions: [] });
    expect(record.journal).toEqual([
      { at: expect.any(String), action: 'calendar', outcome: 'skipped', detail: { reason } },
    ]);
    expect(published.map((p) => p.type)).toEqual(['GameDayDue']);
    expect(await t.runtime.store.getRecord(RECORDS.suiteLock, 'frozen')).toBeUndefined();
  });

  it('outside its allowed hours a suite does not run; the local runner may ignore the hours, never a blackout', async () => {
    const now = new Date();
    const from = `${String((now.getUTCHours() + 2) % 24).padStart(2, '0')}:00`;
    const to = `${String((now.getUTCHours() + 3) % 24).padStart(2, '0')}:00`;
    const suite: Suite = {
      name: 'office-hours',
      description: '',
      templates: ['stored-latency'],
      order: 'sequential',
      dryRun: false,
      blackouts: [],
      allowedHours: { from, to, timezone: 'UTC' },
    };

    const skipped = await runGameDay(t.runtime, suite);
    expect(skipped).toMatchObject({
      status: 'SKIPPED',
      reason: expect.stringMatching(new RegExp(`^outside allowed hours ${from}-${to} UTC`)),
    });

    const ran = await runGameDay(t.runtime, suite, { hours: 'ignore' });
    expect(ran).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED' });

    const frozen = await runGameDay(
      t.runtime,
      { ...suite, blackouts: [{ from: hourAgo(), to: hourAhead(), reason: 'freeze' }] },
      { hours: 'ignore' },
    );
    expect(frozen).toMatchObject({ status: 'SKIPPED', reason: expect.stringContaining('blackout window "freeze"') });
  });

  it('a suite whose previous run is still active is not started again (the skip is journaled), and runs once that one ends', async () => {
    await storeTemplates(
      t,
      boundTemplate('slow', [], {
        observation: { window: 'PT1.5S' },
        actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT3S' } },
      }),
    );
    const suite: Suite = {
      name: 'busy',
      description: '',
      templates: ['slow'],
      order: 'sequential',
      dryRun: false,
      blackouts: [],
    };
    const first = runGameDay(t.runtime, suite, { runId: 'busy-1' });
    await waitFor(
      async () => (await t.runtime.store.getRecord<GameDayRun>(RECORDS.gameDayRun, 'busy-1'))?.status === 'RUNNING',
    );

    const second = await runGameDay(t.runtime, suite, { runId: 'busy-2' });
    expect(second).toMatchObject({
      status: 'SKIPPED',
      reason: expect.stringMatching(/^the previous run busy-1 of suite busy is still active \(started /),
    });
    expect(second.journal).toEqual([expect.objectContaining({ action: 'lock', outcome: 'skipped' })]);
    expect(published.filter((p) => p.type === 'ExperimentRequested')).toHaveLength(1);

    expect(await first).toMatchObject({ status: 'COMPLETED' });
    expect(await runGameDay(t.runtime, suite, { runId: 'busy-3' })).toMatchObject({ status: 'COMPLETED' });
  });

  it('a template id that is not stored skips the run: unknown means stop', async () => {
    const summary = await runGameDay(t.runtime, {
      name: 'typo',
      description: '',
      templates: ['stored-latency', 'no-such-template'],
      order: 'sequential',
      dryRun: false,
      blackouts: [],
    });
    expect(summary).toMatchObject({ status: 'SKIPPED', reason: 'template not stored: no-such-template' });
    expect(published.filter((p) => p.type === 'ExperimentRequested')).toEqual([]);
  });

  it('the same due event delivered twice starts one run', async () => {
    const suite: Suite = {
      name: 'twice',
      description: '',
      templates: ['stored-latency'],
      order: 'sequential',
      dryRun: false,
      blackouts: [],
    };
    const [event] = t.runtime.bus.putEvents([GameDayDue.entry({ suite, runId: 'twice-1' })], 'custom');
    t.runtime.bus.deliver(event!, 'custom');
    await waitFor(
      async () => (await t.runtime.store.getRecord<GameDayRun>(RECORDS.gameDayRun, 'twice-1'))?.status === 'COMPLETED',
    );
    await t.runtime.bus.idle();
    expect(published.filter((p) => p.type === 'ExperimentRequested')).toHaveLength(1);
    expect(published.filter((p) => p.type === 'GameDayCompleted')).toHaveLength(1);
  });
});
