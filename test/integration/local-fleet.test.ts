/**
 * The demo fleet itself: real child processes behind the local load balancer, the supervisor, the
 * control port's guard, and clean-up on every exit path (stop, failed start, dead parent).
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DemoFleet, FleetError, fleetScriptsDir, FLEET_DIR_ENV } from '../../local/fleet';
import { LocalTargetResolver } from '../../local/faults';
import { LocalMonitor } from '../../local/monitor';
import { pollUntil, portAccepts, processExists } from '../support/local-polling';

jest.setTimeout(20_000);

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, replica: res.headers.get('x-faultline-replica'), body: await res.text() };
};

describe('demo fleet', () => {
  const fleet = new DemoFleet({ restartDelayMs: 300 });

  beforeAll(() => fleet.start());
  afterAll(() => fleet.stop());

  test('serves through the load balancer, round-robin over three replicas that call the dependency', async () => {
    const answers = [];
    for (let i = 0; i < 9; i++) answers.push(await get(fleet.loadBalancerUrl));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.replica))).toEqual(new Set(['replica-1', 'replica-2', 'replica-3']));
    expect(JSON.parse(answers[0]!.body).dependency.rows).toHaveLength(1);
    expect(fleet.replicas().map((r) => [r.name, r.state, r.healthy])).toEqual([
      ['replica-1', 'running', true],
      ['replica-2', 'running', true],
      ['replica-3', 'running', true],
    ]);
    expect(fleet.dependency()).toMatchObject({ name: 'db', up: true, state: 'running' });
  });

  test('reports host figures of every member', async () => {
    const figures = await fleet.hostFigures();
    expect(figures.map((f) => f.name).sort()).toEqual(['db', 'replica-1', 'replica-2', 'replica-3']);
    for (const f of figures) {
      expect(f.rssMb).toBeGreaterThan(10);
      expect(f.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(f.diskMb).toBe(0);
      expect(f.faults).toEqual([]);
    }
  });

  test('guards the control port with the fleet token', async () => {
    const replica = fleet.replica('replica-1')!;
    const stats = `http://127.0.0.1:${replica.controlPort}/stats`;
    expect((await fetch(stats)).status).toBe(403);
    expect((await fetch(stats, { headers: { 'x-faultline-token': 'guessed' } })).status).toBe(403);
    const figures = await fleet.hostFigures();
    expect(figures.find((f) => f.name === 'replica-1')!.pid).toBe(replica.pid);
    // The service port has no control routes.
    expect((await fetch(`http://127.0.0.1:${replica.port}/stats`)).status).toBe(404);
  });

  test('the supervisor restarts a killed replica under the same name on a new port', async () => {
    const before = fleet.replica('replica-3')!;
    process.kill(before.pid!, 'SIGKILL');
    await pollUntil('replica-3 out of rotation', () => !fleet.replica('replica-3')!.healthy);
    // Meanwhile the other replicas serve everything.
    for (let i = 0; i < 6; i++) expect((await get(fleet.loadBalancerUrl)).status).toBe(200);
    const after = await pollUntil('replica-3 back', () => {
      const r = fleet.replica('replica-3')!;
      return r.healthy ? r : undefined;
    });
    expect(after.pid).not.toBe(before.pid);
    expect(after.restarts).toBe(before.restarts + 1);
    expect(processExists(before.pid!)).toBe(false);
  });

  test('the monitor probes through the load balancer and shows current figures for display', async () => {
    const monitor = new LocalMonitor({ fleet, probeRatePerSecond: 40, snapshotWindowMs: 1_000 });
    monitor.start();
    try {
      const snapshot = await pollUntil('a second of probes and host figures', () => {
        const s = monitor.snapshot();
        return s.recent.requests >= 20 && s.replicas.every((r) => r.rssMb !== undefined) ? s : undefined;
      });
      expect(snapshot.loadBalancerUrl).toBe(fleet.loadBalancerUrl);
      expect(snapshot.recent.availabilityPercent).toBe(100);
      expect(snapshot.recent.requestsPerSecond).toBeGreaterThan(15);
      expect(snapshot.recent.healthyReplicas).toEqual({ min: 3, max: 3 });
      expect(snapshot.replicas.map((r) => r.name)).toEqual(['replica-1', 'replica-2', 'replica-3']);
      expect(snapshot.dependency).toMatchObject({ name: 'db', up: true });
      expect(snapshot.alarms.map((a) => a.name)).toContain('faultline-local-availability');
      expect(snapshot.alarms.every((a) => ['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(a.state))).toBe(true);
    } finally {
      await monitor.stop();
    }
  });

  test('the resolver lists every replica and the dependency, narrowed by ids, tags and filters', async () => {
    const resolver = new LocalTargetResolver({ fleet });
    const all = await resolver.candidates('web', {
      provider: 'local',
      resourceType: 'local:replica',
      selectionMode: 'ALL',
    });
    expect(all.map((t) => t.key)).toEqual([
      'local:replica:replica-1',
      'local:replica:replica-2',
      'local:replica:replica-3',
    ]);
    expect(all[0]).toMatchObject({
      name: 'web',
      provider: 'local',
      id: 'replica-1',
      attributes: { state: 'running', healthy: 'true' },
    });
    const some = await resolver.candidates('web', {
      provider: 'local',
      resourceType: 'local:replica',
      selectionMode: 'ALL',
      resourceIds: ['replica-2', 'replica-9'],
      resourceTags: { app: 'faultline-demo' },
      filters: [{ path: 'state', values: ['running'] }],
    });
    expect(some.map((t) => t.id)).toEqual(['replica-2']);
    const none = await resolver.candidates('web', {
      provider: 'local',
      resourceType: 'local:replica',
      selectionMode: 'ALL',
      filters: [{ path: 'Placement.AvailabilityZone', values: ['eu-west-1a'] }],
    });
    expect(none).toEqual([]);
    const db = await resolver.candidates('db', {
      provider: 'local',
      resourceType: 'local:dependency',
      selectionMode: 'ALL',
    });
    expect(db.map((t) => t.key)).toEqual(['local:dependency:db']);
  });
});

test('a failed start leaves no process or temp dir behind', async () => {
  const scripts = mkdtempSync(path.join(os.tmpdir(), 'faultline-test-scripts-'));
  try {
    // A replica script that dies at once; the dependency is the real one.
    writeFileSync(path.join(scripts, 'replica.js'), "process.stderr.write('boom\\n'); process.exit(3);\n");
    writeFileSync(
      path.join(scripts, 'dependency.js'),
      `require(${JSON.stringify(path.join(fleetScriptsDir(), 'dependency.js'))});\n`,
    );
    writeFileSync(
      path.join(scripts, 'child.js'),
      `module.exports = require(${JSON.stringify(path.join(fleetScriptsDir(), 'child.js'))});\n`,
    );
    const fleet = new DemoFleet({ scriptsDir: scripts, startTimeoutMs: 5_000 });
    await expect(fleet.start()).rejects.toThrow(FleetError);
    await expect(fleet.start()).rejects.toThrow(/already started/);
    const pids = fleet.spawnedPids();
    expect(pids.length).toBeGreaterThanOrEqual(2);
    for (const pid of pids) expect(processExists(pid)).toBe(false);
    expect(existsSync(fleet.tempDir)).toBe(false);
  } finally {
    rmSync(scripts, { recursive: true, force: true });
  }
});

test('scripts that are not where the fleet looks fail the start with a hint, before anything runs', async () => {
  const fleet = new DemoFleet({ scriptsDir: path.join(os.tmpdir(), 'faultline-no-such-dir') });
  await expect(fleet.start()).rejects.toThrow(/not in .*faultline-no-such-dir.*FAULTLINE_FLEET_DIR/);
  expect(fleet.spawnedPids()).toEqual([]);
});

test('a child exits by itself when its parent dies', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'faultline-test-parent-'));
  try {
    // A parent that starts a replica, reports its pid and port, and is then killed without cleaning up.
    const parentScript = path.join(dir, 'parent.js');
    writeFileSync(
      parentScript,
      `const { fork } = require('node:child_process');
const config = { role: 'replica', name: 'orphan', controlToken: 't', diskDir: ${JSON.stringify(dir)}, dependencyUrl: 'http://127.0.0.1:9', dependencyTimeoutMs: 500 };
const child = fork(${JSON.stringify(path.join(fleetScriptsDir(), 'replica.js'))}, [JSON.stringify(config)], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
child.on('message', (m) => process.send(m));
`,
    );
    const parent = fork(parentScript, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const ready = await new Promise<{ pid: number; port: number }>((resolve) =>
      parent.once('message', (m) => resolve(m as { pid: number; port: number })),
    );
    expect(processExists(ready.pid)).toBe(true);
    expect(await portAccepts(ready.port)).toBe(true);
    parent.kill('SIGKILL');
    await pollUntil('the orphaned replica to exit', () => !processExists(ready.pid), { timeoutMs: 5_000 });
    expect(await portAccepts(ready.port)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fleetScriptsDir honours FAULTLINE_FLEET_DIR (set by the CLI bundle)', () => {
  const previous = process.env[FLEET_DIR_ENV];
  try {
    delete process.env[FLEET_DIR_ENV];
    expect(fleetScriptsDir()).toBe(path.join(__dirname, '..', '..', 'local', 'fleet', 'scripts'));
    expect(existsSync(path.join(fleetScriptsDir(), 'replica.js'))).toBe(true);
    process.env[FLEET_DIR_ENV] = '/opt/faultline/fleet';
    expect(fleetScriptsDir()).toBe('/opt/faultline/fleet');
  } finally {
    if (previous === undefined) delete process.env[FLEET_DIR_ENV];
    else process.env[FLEET_DIR_ENV] = previous;
  }
});
