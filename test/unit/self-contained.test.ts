/**
 * The repository is self-contained: a fresh clone, with nothing beside it, has everything its code,
 * tests and documentation refer to. Every tracked text file (package-lock.json aside: it names
 * registry URLs only) is scanned for three kinds of reference:
 *
 * 1. The fixtures folder that once sat beside the checkout (`..` then `shared/fixtures`): reported wherever it
 *    appears (the repository's own shared/ has no fixtures; `../../shared/aws` from test/unit is fine).
 * 2. A relative path that climbs out of the repository: a run of `../` that, resolved from the
 *    directory of the file naming it, leaves the repository root. (Paths built from separate
 *    segments, `join('..', '..')`, are not followed.)
 * 3. An absolute path into somebody's checkout or home: `/work/`, `/home/`, `/root/`, `/Users/` or
 *    a `C:\Users\` drive path, when it starts a path (not inside a URL such as
 *    `https://host/home/`, nor after `~`).
 *
 * Allowed: system paths that exist on any Unix machine (`/usr/bin/env`, `/bin/sh`, `/dev/null`,
 * `/proc/`, `/etc/`), `/tmp/` (a scratch path at run time, though `os.tmpdir()` is preferred), and
 * paths on the hosts faultline acts on, such as a disk fault's `/mnt/data-1`.
 *
 * A fourth rule keeps one door to the fixtures: no test file but test/support/fixtures.ts names
 * the test/fixtures folder.
 *
 * This file is not scanned: it has to spell out what it forbids.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Finding {
  file: string;
  line: number;
  text: string;
  reason: string;
}

const SIBLING = /(?:\.\.\/)+shared\/fixtures\b/;
const CLIMB = /(?<![\w./])(?:\.\.\/)+/g;
const MACHINE = /(?<![\w.~/:-])(?:\/(?:work|home|root|Users)\/|[A-Za-z]:\\Users\\)/;
const FIXTURES_DIR = /(?<![\w-])fixtures\/aws-events\b/;
const FIXTURES_DOOR = 'test/support/fixtures.ts';
const SELF = 'test/unit/self-contained.test.ts';

/** Where `file` (a repository-relative path) points outside the repository. */
const findOutsideReferences = (file: string, text: string): Finding[] => {
  const findings: Finding[] = [];
  const dir = posix.dirname(file);
  const isTestCode = file.startsWith('test/') && /\.[cm]?[jt]s$/.test(file) && file !== FIXTURES_DOOR;
  text.split('\n').forEach((content, i) => {
    const report = (reason: string) => findings.push({ file, line: i + 1, text: content.trim(), reason });
    if (SIBLING.test(content)) report('names the fixtures folder that was beside the checkout');
    else {
      for (const m of content.matchAll(CLIMB)) {
        if (posix.normalize(posix.join(dir, m[0])).startsWith('..')) {
          report(`${m[0]} climbs above the repository root from ${dir}/`);
          break;
        }
      }
    }
    if (MACHINE.test(content)) report('names an absolute path on one machine');
    if (isTestCode && FIXTURES_DIR.test(content)) report(`reaches the fixtures without ${FIXTURES_DOOR}`);
  });
  return findings;
};

const isBinary = (bytes: Buffer) => bytes.subarray(0, 8000).includes(0);

/** The scan of every tracked file, as the repository stands on disk. */
const scanRepository = (): { scanned: string[]; findings: Finding[] } => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  const findings: Finding[] = [];
  const scanned: string[] = [];
  for (const file of files) {
    if (posix.basename(file) === 'package-lock.json' || file === SELF) continue;
    const full = join(ROOT, file);
    let stat;
    try {
      stat = lstatSync(full);
    } catch {
      continue; // tracked but deleted in this working tree
    }
    if (stat.isSymbolicLink()) {
      const target = readlinkSync(full);
      if (posix.isAbsolute(target) || posix.normalize(posix.join(posix.dirname(file), target)).startsWith('..')) {
        findings.push({ file, line: 0, text: target, reason: 'a symbolic link out of the repository' });
      }
      continue;
    }
    const bytes = readFileSync(full);
    if (isBinary(bytes)) continue;
    scanned.push(file);
    findings.push(...findOutsideReferences(file, bytes.toString('utf8')));
  }
  return { scanned, findings };
};

/** The forbidden folder, assembled so that this file does not name it literally. */
const SIBLING_SAMPLE = ['..', 'shared', 'fixtures'].join('/');
const MACHINE_SAMPLE = ['', 'work', 'shared', 'fixtures'].join('/');

describe('findOutsideReferences', () => {
  it('reports the sibling fixtures folder, however deep the climb', () => {
    const sample = `const F = join(__dirname, '../../${SIBLING_SAMPLE}/x.json');\nread('${SIBLING_SAMPLE}/x.json');`;
    expect(findOutsideReferences('test/unit/a.test.ts', sample).map((f) => f.line)).toEqual([1, 2]);
  });

  it('reports absolute paths into a machine, in code, comments and prose', () => {
    const lines = [
      `const FIXTURES = '${MACHINE_SAMPLE}/aws-events';`,
      ` * ${MACHINE_SAMPLE}/aws-events/putevents-protocol.md, the PutEvents API Reference`,
      'cat /home/dev/notes.txt',
      'HOME=/root/ npm test',
      'open /Users/me/faultline',
      'dir C:\\Users\\me\\faultline',
    ];
    const found = findOutsideReferences('README.md', lines.join('\n'));
    expect(found.map((f) => f.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(found.every((f) => f.reason.includes('absolute path'))).toBe(true);
  });

  it('reports a relative path that leaves the repository from where it is written', () => {
    expect(findOutsideReferences('test/unit/a.test.ts', `import x from '../../../elsewhere/x';`)).toHaveLength(1);
    expect(findOutsideReferences('README.md', `[notes](../notes.md)`)).toHaveLength(1);
    expect(findOutsideReferences('package.json', `"pretest": "cp ../settings.json ."`)).toHaveLength(1);
  });

  it('reports a test reaching the fixtures folder directly, but not the one helper that may', () => {
    const direct = "readFileSync(join(__dirname, '../fixtures/aws-events/x.json'))";
    expect(findOutsideReferences('test/contract/x.test.ts', direct)).toHaveLength(1);
    expect(findOutsideReferences('test/support/fixtures.ts', direct)).toEqual([]);
    expect(findOutsideReferences('README.md', 'payloads in `test/fixtures/aws-events/`')).toEqual([]);
  });

  it('leaves clean lines alone', () => {
    const clean = [
      "import { clients } from '../../../shared/aws/clients';", // from test/unit/aws: stays inside
      "const rules = loadFunctionRules(join(__dirname, '../../serverless.yml'));",
      '#!/usr/bin/env bash',
      '#!/bin/sh',
      'exec 2>/dev/null; cat /proc/cpuinfo /etc/os-release',
      "{ megabytes: 1024, path: '/mnt/data-1' }",
      "const dir = mkdtempSync(join(tmpdir(), 'faultline-'));",
      'scratch files go to /tmp/faultline-run',
      'https://docs.aws.amazon.com/home/work/Users/root/index.html',
      'see ~/work/notes and ~/.aws/config',
      'github.com/awsdocs/amazon-eventbridge-user-guide doc_source/eb-putevents.md',
      "import { awsFixture } from '../support/fixtures';",
      'a/../b is not a climb from here, nor is ../sharedState from test/unit/aws',
    ];
    expect(findOutsideReferences('test/unit/aws/x.test.ts', clean.join('\n'))).toEqual([]);
  });
});

describe('the repository', () => {
  it('names nothing outside itself', () => {
    const { scanned, findings } = scanRepository();
    expect(scanned).toEqual(expect.arrayContaining(['README.md', 'package.json', 'test/support/fixtures.ts']));
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.reason}: ${f.text}`)).toEqual([]);
  });
});
