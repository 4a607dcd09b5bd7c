import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** The repository: the nearest directory up from here with a serverless.yml (this file may run bundled). */
const root = (() => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'serverless.yml'))) return dir;
  throw new Error(`serverless.yml not found above ${__dirname}`);
})();

export interface CloudFormationTemplate {
  // biome-ignore lint/suspicious/noExplicitAny: a boundary over contracts and SDK stubs of any shape
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; DependsOn?: unknown }>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, { Type?: string }>;
}

export interface PackagedStack {
  /** The `--package` directory: the template and the function zips. */
  dir: string;
  template: CloudFormationTemplate;
  /** Entries of the system temp folder that the run created and did not remove (see packagingLeftovers). */
  leftovers: string[];
}

let packaged: PackagedStack | undefined;

/** Removes what packageStack wrote. */
export const disposePackagedStack = (): void => {
  if (packaged) rmSync(packaged.dir, { recursive: true, force: true });
  packaged = undefined;
};

/**
 * The entries of the system temp folder that a package run left behind, from its listing before and
 * after the run. Only entries that can be told to come from this run count, so that other processes
 * working in the same folder at the time do not: the zip staging directories of serverless-esbuild, named
 * `<function>-<pid of the serverless process>-<ms>-<8 hex>`, and the directories the caller made
 * for the run (`own`).
 */
export const packagingLeftovers = (
  before: readonly string[],
  after: readonly string[],
  pid: number,
  own: readonly string[] = [],
): string[] => {
  const existed = new Set(before);
  const staging = new RegExp(`^[A-Za-z0-9_.]+-${pid}-\\d+-[0-9a-f]{8}$`);
  return after.filter((name) => !existed.has(name) && (staging.test(name) || own.includes(name))).sort();
};

/**
 * Runs `serverless package` offline (no credentials, no network) once per test process and returns
 * the CloudFormation template it generated, and the directory with the function zips.
 *
 * The run gets a temp folder of its own (TMPDIR), removed afterwards: serverless-esbuild stages
 * each function's zip in a directory under os.tmpdir() that it fails to remove (a non-recursive
 * delete of a non-empty directory, its error ignored), and osls keeps a scratch directory there.
 */
export const packageStack = (): PackagedStack => {
  if (packaged) return packaged;
  const system = tmpdir();
  const before = readdirSync(system);
  const dir = mkdtempSync(join(system, 'faultline-package-'));
  const scratch = mkdtempSync(join(system, 'faultline-package-tmp-'));
  // serverless-esbuild builds in <repo>/.esbuild and removes it when done: a work folder per run
  // keeps runs of parallel test files out of each other's way.
  const work = join('.esbuild', basename(dir));
  let run: ReturnType<typeof spawnSync>;
  try {
    run = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--stage',
        'ci',
        '--region',
        'eu-west-1',
        '--package',
        dir,
      ],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          FAULTLINE_ESBUILD_WORK_FOLDER: work,
          TMPDIR: scratch,
          TMP: scratch,
          TEMP: scratch,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          FAULTLINE_CONSUMER_ACCOUNTS: '111122223333',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(join(root, work), { recursive: true, force: true });
  }
  if (run.error || run.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `serverless package failed (${run.error?.message ?? `exit ${run.status}`}):\n${String(run.stdout)}\n${String(run.stderr)}`,
    );
  }
  const file = join(dir, 'cloudformation-template-update-stack.json');
  if (!existsSync(file)) throw new Error(`serverless package wrote no template in ${dir}`);
  const leftovers = packagingLeftovers(before, readdirSync(system), run.pid, [basename(scratch)]);
  packaged = { dir, template: JSON.parse(readFileSync(file, 'utf8')) as CloudFormationTemplate, leftovers };
  return packaged;
};
