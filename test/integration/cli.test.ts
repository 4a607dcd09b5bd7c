import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../cli/main';
import { captureByKind as capture } from '../support/cli-output';
import type { EmbeddedRuntime } from '../../local/runtime';
import type { InMemoryFaults } from '../../testing/in-memory';
import { startReachableStack } from '../support/runtime';
import { quickTemplate } from '../support/templates';
import { waitFor } from '../support/wait';

describe('faultline CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-cli-'));
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : stringify(content));
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validate: a valid template exits 0', async () => {
    const { out, lines } = capture();
    expect(await main(['validate', file('ok.yaml', quickTemplate())], out)).toBe(0);
    expect(lines.result[0]).toMatch(/valid \(quick-latency version 1, 1 action\(s\)\)/);
  });

  it('validate: a broken template exits 1 listing every error with its path', async () => {
    const { out, lines } = capture();
    const broken = {
      ...quickTemplate(),
      id: 'Bad Id',
      actions: { slow: { fault: 'meteor', target: 'web', duration: '5 minutes' } },
      extra: true,
    };
    expect(await main(['validate', file('broken.yaml', broken)], out)).toBe(1);
    const text = lines.error.join('\n');
    expect(text).toMatch(/^ {2}id: /m);
    expect(text).toMatch(/^ {2}actions\.slow\.fault: unknown fault type/m);
    expect(text).toMatch(/^ {2}actions\.slow\.duration: not an ISO-8601 duration/m);
    expect(text).toMatch(/^ {2}\(template\): unknown key "extra"/m);
  });

  it('run: an unknown template exits 1 and starts nothing', async () => {
    const { out, lines } = capture();
    expect(await main(['run', join(dir, 'nope.yaml'), '--local'], out)).toBe(1);
    expect(lines.error.join('\n')).toMatch(/no template at .*nope\.yaml/);
  });

  it('an unknown command exits 1 with the usage', async () => {
    const { out, lines } = capture();
    expect(await main(['explode'], out)).toBe(1);
    expect(lines.error.join('\n')).toMatch(/unknown command "explode"[\s\S]*usage:/);
  });

  describe('against a running embedded runtime through the AWS SDK standard configuration', () => {
    let runtime: EmbeddedRuntime;
    let faults: InMemoryFaults;
    let stop: () => Promise<void>;
    beforeAll(async () => {
      ({ runtime, faults, stop } = await startReachableStack());
    });
    afterAll(async () => stop());

    it('run --json prints one result document holding every documented field', async () => {
      const { out, lines } = capture();
      expect(await main(['run', file('quick.yaml', quickTemplate()), '--json'], out)).toBe(0);
      expect(lines.result).toHaveLength(1);
      const doc = JSON.parse(lines.result[0]!);
      expect(doc).toMatchObject({
        experimentId: 'quick-latency',
        templateVersion: 1,
        status: 'COMPLETED',
        verdict: 'PASSED',
        environment: 'local',
        dryRun: false,
        trigger: { type: 'cli' },
        reasons: [],
        requestedAt: expect.any(String),
        completedAt: expect.any(String),
        criteria: expect.arrayContaining([{ type: 'availability', expected: '>= 99%', actual: '100%', passed: true }]),
        metrics: { availabilityPercent: 100, p95LatencyMs: 50, recoverySeconds: expect.any(Number) },
        safety: { violated: false, reason: null },
        faults: [
          expect.objectContaining({
            action: 'slow',
            faultType: 'network-latency',
            target: expect.any(String),
            injectedAt: expect.any(String),
            revertedAt: expect.any(String),
          }),
        ],
      });
      expect(doc.executionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(doc.timeline.length).toBeGreaterThan(5);
      expect(doc.timeline[0]).toEqual(
        expect.objectContaining({ at: expect.any(String), phase: 'prepare', event: 'ExperimentRequested' }),
      );
      expect(lines.progress.join('\n')).not.toContain('{');

      const status = capture();
      expect(await main(['status', doc.executionId, '--json'], status.out)).toBe(0);
      expect(JSON.parse(status.lines.result[0]!)).toMatchObject({ executionId: doc.executionId, verdict: 'PASSED' });
    });

    it('run --dry-run resolves targets, injects nothing, and ends INCONCLUSIVE', async () => {
      const before = faults.injections.length;
      const { out, lines } = capture();
      expect(await main(['run', file('dry.yaml', quickTemplate()), '--dry-run', '--json'], out)).toBe(0);
      expect(JSON.parse(lines.result[0]!)).toMatchObject({
        verdict: 'INCONCLUSIVE',
        dryRun: true,
        status: 'COMPLETED',
      });
      expect(faults.injections.length).toBe(before);
    });

    it('run of a template not allowed in the environment exits 1 and starts nothing', async () => {
      const { out, lines } = capture();
      const requested: unknown[] = [];
      const unsubscribe = runtime.bus.subscribe((e) => e['detail-type'] === 'ExperimentRequested' && requested.push(e));
      const staging = quickTemplate({ safety: { environments: ['staging'] } });
      expect(await main(['run', file('staging.yaml', staging)], out)).toBe(1);
      unsubscribe();
      expect(lines.error.join('\n')).toMatch(/may not run in environment "local"/);
      expect(requested).toEqual([]);
    });

    it('a run the preflight rejects exits 1', async () => {
      const { out } = capture();
      const alarmed = quickTemplate({ stopConditions: [{ alarm: 'no-such-alarm' }] });
      expect(await main(['run', file('alarmed.yaml', alarmed)], out)).toBe(1);
    });

    it('halt blocks runs until resume', async () => {
      const halted = capture();
      expect(await main(['halt', '--reason', 'incident 42'], halted.out)).toBe(0);
      const { out, lines } = capture();
      expect(await main(['run', file('q2.yaml', quickTemplate())], out)).toBe(1);
      expect(lines.error.join('\n')).toMatch(/experiments are halted: incident 42/);
      expect(await main(['resume'], capture().out)).toBe(0);
      expect(await main(['run', file('q3.yaml', quickTemplate())], capture().out)).toBe(0);
    }, 30_000);

    it('halt reverts running experiments, and abort stops one', async () => {
      const long = quickTemplate({
        observation: { window: 'PT30S' },
        actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT1M' } },
      });
      const halted = await runtime.requestExperiment(long);
      await waitFor(async () => (await runtime.store.getExecution(halted))?.status === 'OBSERVING');
      expect(await main(['halt', '--reason', 'game day called off'], capture().out)).toBe(0);
      expect(await runtime.waitForFinal(halted)).toMatchObject({
        status: 'ABORTED',
        verdict: 'FAILED',
        safety: { source: 'halt' },
      });
      expect(await main(['resume'], capture().out)).toBe(0);

      const aborted = await runtime.requestExperiment({ ...long, id: 'quick-latency' });
      await waitFor(async () => (await runtime.store.getExecution(aborted))?.status === 'OBSERVING');
      expect(await main(['abort', aborted], capture().out)).toBe(0);
      expect(await runtime.waitForFinal(aborted)).toMatchObject({
        status: 'ABORTED',
        verdict: 'FAILED',
        safety: { source: 'operator' },
      });
      expect(faults.active.size).toBe(0);
    }, 30_000);

    it('halt writes the violation on each running execution before announcing it: lost announcements stop nothing less', async () => {
      const long = quickTemplate({
        observation: { window: 'PT3S' },
        actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT1M' } },
      });
      const running = await runtime.requestExperiment(long);
      // Observing, past the observe phase's own look at the halt switch: only the CLI can stop it now.
      await waitFor(async () =>
        (await runtime.store.readJournal(running)).some((j) => j.action === 'schedule-observation-end'),
      );
      // EventBridge unreachable: SafetyViolated cannot be published, the violation must already be written.
      const bus = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
      process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = 'http://127.0.0.1:9';
      process.env.AWS_MAX_ATTEMPTS = '1';
      const { out, lines } = capture();
      try {
        expect(await main(['halt', '--reason', 'change freeze'], out)).toBe(2);
      } finally {
        process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = bus;
        delete process.env.AWS_MAX_ATTEMPTS;
      }
      expect(lines.error.join('\n')).toMatch(/faultline: /);
      expect((await runtime.store.getExecution(running))?.safety).toMatchObject({
        violated: true,
        source: 'halt',
        reason: 'halted: change freeze',
      });
      expect(await main(['resume'], capture().out)).toBe(0);
      // Resumed, and the announcement lost: the run still cannot pass.
      expect(await runtime.waitForFinal(running)).toMatchObject({
        verdict: 'FAILED',
        safety: { violated: true, source: 'halt' },
      });
      expect(faults.active.size).toBe(0);
    }, 30_000);

    it('release gives a pinned lease back, journaled on the execution that held it', async () => {
      const executionId = await runtime.requestExperiment(quickTemplate({ id: 'release-holder' }), { dryRun: true });
      await runtime.waitForFinal(executionId);
      const targetKey = (await runtime.store.getExecution(executionId))!.targets![0]!.key;
      expect(await runtime.store.pinLease(targetKey, executionId, 'revert of slow failed')).toBe(true);
      const status = capture();
      expect(await main(['status', executionId], status.out)).toBe(0);
      expect(status.lines.result).toContain(
        `  pinned lease: ${targetKey} (check the target, then "faultline release ${targetKey}")`,
      );
      const savedUser = process.env.USER;
      process.env.USER = 'alice';
      const { out, lines } = capture();
      try {
        expect(await main(['release', targetKey, '--reason', 'checked: tc qdisc gone'], out)).toBe(0);
      } finally {
        if (savedUser === undefined) delete process.env.USER;
        else process.env.USER = savedUser;
      }
      expect(lines.result.join('\n')).toMatch(
        new RegExp(`released ${targetKey}: pinned lease of execution ${executionId}`),
      );
      expect(await runtime.store.lease(targetKey)).toBeUndefined();
      const after = capture();
      expect(await main(['status', executionId], after.out)).toBe(0);
      expect(after.lines.result.join('\n')).not.toContain('pinned lease');
      expect(await runtime.store.readJournal(executionId)).toContainEqual(
        expect.objectContaining({
          phase: 'operator',
          action: 'release lease',
          outcome: 'ok',
          detail: { targetKey, pinned: true, by: 'alice', reason: 'checked: tc qdisc gone' },
        }),
      );
    });

    it('release of a target nobody holds exits 1 and says so', async () => {
      const { out, lines } = capture();
      expect(await main(['release', 'local:replica:nobody'], out)).toBe(1);
      expect(lines.error.join('\n')).toMatch(/no lease on local:replica:nobody: nothing to release/);
      const missing = capture();
      expect(await main(['release'], missing.out)).toBe(1);
      expect(missing.lines.error.join('\n')).toMatch(/missing <targetKey>/);
    });
  });
});
