import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExperimentCompleted } from '../../events';
import { localDynamoClient, startEmbeddedDynamo } from '../../local/dynamo';
import { parseTemplate } from '../../shared/domain/template';
import { ExecutionStore } from '../../shared/store/execution-store';
import type { ZipEntry } from '../../testing/zip';

const ROOT = join(__dirname, '../..');
export const BUNDLE_BUCKET = 'faultline-ci-reportbucket-bundle';
export const BUNDLE_EXECUTION = '3c1f0f5e-8a1d-4c55-9e0b-7d2f6a4b1c90';
const ACCOUNT = '123456789012';
const TABLE = 'faultline-ci';

export interface BundledRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The PUT requests the handler sent to "S3" (path-style: /<bucket>/<key>), in order. */
  puts: { path: string; contentType: string | undefined; body: string }[];
}

const bodyOf = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

/** A finished execution of the template `bundle-check`, as the phases leave it in the table. */
const seed = async (store: ExecutionStore) => {
  const at = (s: number) => new Date(Date.parse('2026-11-30T10:00:00.000Z') + s * 1000).toISOString();
  const template = parseTemplate({
    id: 'bundle-check',
    version: 1,
    description: 'the packaged report function renders',
    hypothesis: {
      statement: 'the report renders from the package',
      successCriteria: [{ type: 'availability', minPercent: 99 }],
    },
    targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: 'COUNT(1)' } },
    actions: { slow: { fault: 'network-latency', target: 'web', parameters: { delayMs: 100 }, duration: 'PT60S' } },
    stopConditions: [],
    safety: { environments: ['ci'] },
    observation: { window: 'PT20S' },
    recovery: { timeout: 'PT30S', checkEvery: 'PT5S' },
  });
  await store.createExecution({
    executionId: BUNDLE_EXECUTION,
    experimentId: template.id,
    templateVersion: 1,
    template,
    status: 'COMPLETED',
    verdict: 'PASSED',
    version: 9,
    environment: 'ci',
    dryRun: false,
    trigger: { type: 'cli', reference: 'ci' },
    requestedAt: at(0),
    updatedAt: at(90),
    completedAt: at(90),
    safety: { violated: false },
  });
  await store.journal(BUNDLE_EXECUTION, { phase: 'validate', action: 'judge', outcome: 'ok' });
};

/**
 * Runs the report function as its zip holds it: the files of `entries` in a folder outside the
 * checkout (so that nothing is found in the repository's node_modules), the AWS SDK alone on
 * NODE_PATH (Lambda's runtime provides it), DynamoDB on dynalite with a finished execution, and S3
 * answered by a local HTTP server that records each PUT. Delivers one ExperimentCompleted.
 */
export const runBundledReport = async (entries: readonly ZipEntry[]): Promise<BundledRun> => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-report-zip-'));
  const sdk = mkdtempSync(join(tmpdir(), 'faultline-report-sdk-'));
  for (const e of entries) {
    mkdirSync(dirname(join(dir, e.name)), { recursive: true });
    writeFileSync(join(dir, e.name), e.data);
  }
  symlinkSync(join(ROOT, 'node_modules', '@aws-sdk'), join(sdk, '@aws-sdk'), 'dir');
  const dynamo = await startEmbeddedDynamo(TABLE);
  const client = localDynamoClient(dynamo.endpoint);
  const puts: BundledRun['puts'] = [];
  const server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      if (request.method === 'PUT')
        puts.push({
          path: new URL(request.url ?? '/', 'http://s3').pathname,
          contentType: request.headers['content-type'],
          body,
        });
      response.writeHead(200, { ETag: '"0"' });
      response.end();
    });
  });
  try {
    await seed(new ExecutionStore(client, TABLE));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const event = {
      version: '0',
      id: 'b1a8c2d4-0000-4000-8000-00000000b0b0',
      'detail-type': ExperimentCompleted.detailType,
      source: 'faultline',
      account: ACCOUNT,
      time: '2026-11-30T10:01:30Z',
      region: 'eu-west-1',
      resources: [],
      detail: { ...ExperimentCompleted.fixture, executionId: BUNDLE_EXECUTION, experimentId: 'bundle-check' },
    };
    const script = [
      `const { handler } = require(${JSON.stringify(join(dir, 'functions/report/handler.js'))});`,
      'handler(JSON.parse(process.env.FAULTLINE_TEST_EVENT), {}).then(',
      '  (outcome) => process.stdout.write(JSON.stringify({ outcome }) + "\\n"),',
      '  (error) => { process.stderr.write(String(error && error.stack || error) + "\\n"); process.exitCode = 1; },',
      ');',
    ].join('\n');
    const child = spawn(process.execPath, ['-e', script], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        NODE_PATH: sdk,
        TABLE_NAME: TABLE,
        EVENT_BUS_NAME: TABLE,
        EVENT_BUS_ARN: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/${TABLE}`,
        SCHEDULER_GROUP: TABLE,
        SCHEDULER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/${TABLE}-SchedulerRole`,
        STAGE: 'ci',
        REPORT_BUCKET: BUNDLE_BUCKET,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
        AWS_MAX_ATTEMPTS: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        FAULTLINE_TEST_EVENT: JSON.stringify(event),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
      child.on('close', (exit) => {
        clearTimeout(kill);
        resolve(exit);
      });
    });
    return { code, stdout, stderr, puts };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    client.destroy();
    await dynamo.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(sdk, { recursive: true, force: true });
  }
};
