import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository: the nearest directory up from here with a serverless.yml (this file may run bundled). */
const root = (() => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'serverless.yml'))) return dir;
  throw new Error('serverless.yml not found above ' + __dirname);
})();

export interface CloudFormationTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; DependsOn?: unknown }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  Outputs?: Record<string, unknown>;
}

let packaged: { dir: string; template: CloudFormationTemplate } | undefined;

/** Removes what packageStack wrote. */
export const disposePackagedStack = (): void => {
  if (packaged) rmSync(packaged.dir, { recursive: true, force: true });
  packaged = undefined;
};

/**
 * Runs `serverless package` offline (no credentials, no network) once per test process and returns
 * the CloudFormation template it generated, and the directory with the function zips.
 */
export const packageStack = (): { dir: string; template: CloudFormationTemplate } => {
  if (packaged) return packaged;
  const dir = mkdtempSync(join(tmpdir(), 'faultline-package-'));
  execFileSync(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'ci', '--region', 'eu-west-1', '--package', dir], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      FAULTLINE_CONSUMER_ACCOUNTS: '111122223333',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
  const file = join(dir, 'cloudformation-template-update-stack.json');
  if (!existsSync(file)) throw new Error(`serverless package wrote no template in ${dir}`);
  packaged = { dir, template: JSON.parse(readFileSync(file, 'utf8')) as CloudFormationTemplate };
  return packaged;
};
