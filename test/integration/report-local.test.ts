import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderReportSink } from '../../local/report';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { quickTemplate } from '../support/templates';

describe('the report function on the embedded runtime', () => {
  let dir: string;
  let t: TestRuntime | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-reports-'));
  });
  afterEach(async () => {
    await t?.runtime.stop();
    t = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs under the rule of serverless.yml and writes the reports of a finished execution to the folder', async () => {
    t = await startTestRuntime({ reports: new FolderReportSink(dir) });

    const executionId = await t.runtime.requestExperiment(quickTemplate());
    const final = await t.runtime.waitForFinal(executionId);
    await t.runtime.bus.idle();

    const prefix = join(dir, 'reports', 'quick-latency', executionId);
    expect(readFileSync(join(prefix, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(readFileSync(join(prefix, 'junit.xml'), 'utf8')).toContain('<testcase name="quick-latency"');
    expect(JSON.parse(readFileSync(join(prefix, 'result.json'), 'utf8'))).toMatchObject({
      executionId,
      status: final.status,
      verdict: final.verdict,
    });
    expect(t.runtime.bus.deadLetters).toEqual([]);
  });

  it('does not run without a folder: its rule matches and nothing is delivered, as to a function not deployed', async () => {
    t = await startTestRuntime();

    const executionId = await t.runtime.requestExperiment(quickTemplate());
    await t.runtime.waitForFinal(executionId);
    await t.runtime.bus.idle();

    expect(existsSync(join(dir, 'reports'))).toBe(false);
    expect(t.runtime.bus.deadLetters).toEqual([]);
  });

  it('refuses a key that would leave the folder', async () => {
    await expect(
      new FolderReportSink(dir).put({ key: '../outside.html', body: 'x', contentType: 'text/html' }),
    ).rejects.toMatchObject({ name: 'InvalidArgumentError' });
    expect(existsSync(join(dir, '..', 'outside.html'))).toBe(false);
  });
});
