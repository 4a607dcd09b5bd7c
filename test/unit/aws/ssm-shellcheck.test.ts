import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isScalar, isSeq, parseDocument, type Scalar } from 'yaml';

/**
 * Every shell script the host-fault documents run is checked with shellcheck: each
 * aws:runShellScript step, and each quoted here-document a step writes out as a script of its own.
 * shellcheck is a test dependency (.ci/run installs it): without it these tests fail, they do not skip.
 */

const DIR = join(__dirname, '../../../ssm-documents');
const SHELLCHECK_MISSING =
  'shellcheck is not installed: apt-get install -y shellcheck (.ci/run installs it when missing)';

interface Parameter {
  type: string;
  allowedPattern?: string;
  allowedValues?: string[];
  default?: string;
}

/** One script as the host's bash gets it, and where its lines come from in the document. */
interface Script {
  document: string;
  step: string;
  text: string;
  /** The document's line of the script's line (1-based), when it is known. */
  fileLine: (line: number) => number | undefined;
}

interface Finding {
  document: string;
  step: string;
  line: number;
  fileLine?: number;
  code: string;
  level: string;
  message: string;
}

/**
 * SSM replaces each {{ Name }} before the shell sees the script. Static analysis needs one value per
 * parameter: its default, else one of these, and the value must pass the parameter's own
 * allowedPattern / allowedValues, so the checked script is one SSM could really run.
 */
const REPRESENTATIVE: Record<string, string> = {
  Service: 'nginx.service',
  Endpoint: 'orders.internal:5432',
};

const representative = (document: string, name: string, parameter: Parameter | undefined): string => {
  if (!parameter) throw new Error(`${document}: {{ ${name} }} is not a declared parameter`);
  const value = parameter.default ?? REPRESENTATIVE[name] ?? parameter.allowedValues?.[0];
  if (value === undefined) throw new Error(`${document}: no representative value for {{ ${name} }}`);
  if (parameter.allowedPattern && !new RegExp(parameter.allowedPattern).test(value)) {
    throw new Error(`${document}: "${value}" does not pass the allowedPattern of ${name}`);
  }
  if (parameter.allowedValues && !parameter.allowedValues.includes(value))
    throw new Error(`${document}: "${value}" is not an allowed value of ${name}`);
  return value;
};

const lineAt = (source: string, offset: number): number => source.slice(0, offset).split('\n').length;

/** The scripts of every aws:runShellScript step of a document (YAML text), parameters substituted. */
const stepScripts = (document: string, source: string): Script[] => {
  const doc = parseDocument(source);
  if (doc.errors.length) throw new Error(`${document}: ${doc.errors[0]!.message}`);
  const parsed = doc.toJS() as {
    parameters?: Record<string, Parameter>;
    mainSteps: { action: string; name: string }[];
  };
  const parameters = parsed.parameters ?? {};
  return parsed.mainSteps.flatMap((step, index) => {
    if (step.action !== 'aws:runShellScript') return [];
    const lines = doc.getIn(['mainSteps', index, 'inputs', 'runCommand'], true);
    if (!isSeq(lines)) throw new Error(`${document} step ${step.name}: runCommand is not a list`);
    // SSM runs the runCommand entries as the lines of one script. Each entry's first script line,
    // and the document line it starts on (a block scalar's text starts below its `|`).
    const starts: { scriptLine: number; fileLine: number; block: boolean }[] = [];
    const texts: string[] = [];
    let scriptLine = 1;
    for (const item of lines.items) {
      if (!isScalar(item) || typeof item.value !== 'string')
        throw new Error(`${document} step ${step.name}: a runCommand entry is not a string`);
      const block = item.type === 'BLOCK_LITERAL' || item.type === 'BLOCK_FOLDED';
      starts.push({ scriptLine, fileLine: lineAt(source, (item as Scalar).range![0]) + (block ? 1 : 0), block });
      texts.push(item.value);
      scriptLine += item.value.split('\n').length;
    }
    const text = texts
      .join('\n')
      .replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => representative(document, name, parameters[name]));
    const fileLine = (line: number): number | undefined => {
      const start = [...starts].reverse().find((s) => s.scriptLine <= line);
      if (!start) return undefined;
      // A plain or quoted entry may span lines in the file that are not its own lines: only its first is sure.
      if (!start.block && line !== start.scriptLine) return undefined;
      return start.fileLine + (line - start.scriptLine);
    };
    return [{ document, step: step.name, text, fileLine }];
  });
};

/**
 * The quoted here-documents (<<'NAME') of a script that are scripts themselves (they start with
 * #!): nothing is expanded into them, so they run exactly as written and can be checked as written.
 */
const embeddedScripts = (script: Script): Script[] => {
  const lines = script.text.split('\n');
  const found: Script[] = [];
  lines.forEach((line, index) => {
    const opening = /<<(-?)\s*(['"])(\w+)\2/.exec(line);
    if (!opening) return;
    const [, dash, , name] = opening;
    const close = lines.findIndex((l, i) => i > index && (dash ? l.replace(/^\t+/, '') : l) === name);
    if (close < 0) throw new Error(`${script.document} step ${script.step}: here-document ${name} is never closed`);
    const body = lines.slice(index + 1, close);
    if (!body[0]?.startsWith('#!')) return;
    const offset = index + 1;
    found.push({
      document: script.document,
      step: `${script.step}, here-document ${name} (from line ${offset + 1})`,
      text: `${body.join('\n')}\n`,
      fileLine: (l) => script.fileLine(l + offset),
    });
  });
  return found;
};

/** shellcheck's findings on a script, as bash; throws when shellcheck cannot be run. */
const shellcheck = (script: Script, binary = 'shellcheck'): Finding[] => {
  const run = spawnSync(binary, ['--shell=bash', '--format=json', '-'], { input: script.text, encoding: 'utf8' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(SHELLCHECK_MISSING);
  if (run.error) throw run.error;
  // 0: no finding, 1: findings; anything else is shellcheck failing.
  if (run.status !== 0 && run.status !== 1) throw new Error(`shellcheck failed (${run.status}): ${run.stderr}`);
  const comments = JSON.parse(run.stdout) as { line: number; code: number; level: string; message: string }[];
  return comments.map((c) => ({
    document: script.document,
    step: script.step,
    line: c.line,
    fileLine: script.fileLine(c.line),
    code: `SC${c.code}`,
    level: c.level,
    message: c.message,
  }));
};

const describeFinding = (f: Finding): string =>
  `${f.document} step ${f.step} line ${f.line}${f.fileLine ? ` (file line ${f.fileLine})` : ''}: ${f.code} (${f.level}) ${f.message}`;

/** Every script of a document and its findings, one line each. */
const check = (document: string, source: string, binary?: string): { scripts: Script[]; findings: string[] } => {
  const steps = stepScripts(document, source);
  const scripts = [...steps, ...steps.flatMap(embeddedScripts)];
  return { scripts, findings: scripts.flatMap((s) => shellcheck(s, binary)).map(describeFinding) };
};

const DOCUMENTS = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('shellcheck', () => {
  it('is installed (.ci/run installs it when missing)', () => {
    const run = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    if (run.error || run.status !== 0) throw new Error(SHELLCHECK_MISSING);
    expect(run.stdout).toMatch(/version: \d+\.\d+/);
  });

  it('missing is a failure with its remedy, not a skip', () => {
    const [script] = stepScripts(
      'probe.yaml',
      "mainSteps:\n  - action: aws:runShellScript\n    name: probe\n    inputs:\n      runCommand: ['true']\n",
    );
    expect(() => shellcheck(script!, 'faultline-no-such-shellcheck')).toThrow(SHELLCHECK_MISSING);
  });
});

describe('SSM documents checked as shell', () => {
  it('are found', () => {
    expect(DOCUMENTS.length).toBeGreaterThanOrEqual(7);
  });

  it.each(DOCUMENTS)('%s: every script passes shellcheck', (file) => {
    // Act
    const { scripts, findings } = check(`ssm-documents/${file}`, readFileSync(join(DIR, file), 'utf8'));

    // Assess
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s.text).not.toMatch(/\{\{/);
    expect(findings).toEqual([]);
  });

  it('checks the CPU loop that cpu-stress writes out as a script of its own', () => {
    const { scripts } = check('ssm-documents/cpu-stress.yaml', readFileSync(join(DIR, 'cpu-stress.yaml'), 'utf8'));
    expect(scripts.map((s) => s.step)).toEqual([
      'cpuStress',
      expect.stringMatching(/^cpuStress, here-document SCRIPT/),
    ]);
  });
});

describe('the check on deliberately broken scripts', () => {
  const broken = [
    '---',
    "schemaVersion: '2.2'",
    'parameters:',
    '  Dir:',
    '    type: String',
    "    allowedPattern: '^/[a-z/]{1,64}$'",
    '    default: /var/tmp/faultline',
    'mainSteps:',
    '  - action: aws:runShellScript',
    '    name: brokenStep',
    '    inputs:',
    '      runCommand:',
    '        - |',
    '          #!/bin/bash',
    "          DIR='{{ Dir }}'",
    '          rm -rf $DIR/*',
    '          du -sh $1',
    '          cd work',
    "          cat > /tmp/loop.sh <<'LOOP'",
    '          #!/bin/bash',
    '          for f in $(ls /tmp); do echo $f; done',
    '          LOOP',
    '        - echo finished',
    '',
  ].join('\n');

  it('reports each finding with its document, step, line, code and message', () => {
    // Act
    const { findings } = check('broken.yaml', broken);

    // Assess
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^broken\.yaml step brokenStep line 3 \(file line 16\): SC2115 \(warning\) Use "\$\{var:\?\}"/,
        ),
        'broken.yaml step brokenStep line 4 (file line 17): SC2086 (info) Double quote to prevent globbing and word splitting.',
        expect.stringMatching(
          /^broken\.yaml step brokenStep line 5 \(file line 18\): SC2164 \(warning\) Use 'cd \.\.\. \|\| exit'/,
        ),
        expect.stringMatching(
          /^broken\.yaml step brokenStep, here-document LOOP \(from line 7\) line 2 \(file line 21\): SC2045 /,
        ),
      ]),
    );
  });

  it('substitutes parameters with values that pass their own pattern, and refuses a default that does not', () => {
    const [script] = stepScripts('broken.yaml', broken);
    expect(script!.text).toContain("DIR='/var/tmp/faultline'");
    expect(script!.text.split('\n').at(-1)).toBe('echo finished');
    expect(() =>
      stepScripts('broken.yaml', broken.replace('default: /var/tmp/faultline', 'default: /var/tmp/$(reboot)')),
    ).toThrow(/does not pass the allowedPattern of Dir/);
  });
});
