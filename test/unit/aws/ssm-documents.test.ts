import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  HOST_FAULT_TYPES,
  HostFaultParameterError,
  hostFaultParameters,
  type HostFaultType,
} from '../../../shared/aws/faults/host-fault-documents';

/**
 * The SSM documents are the other half of the host-fault provider: these tests hold the two
 * together (every parameter the provider sends is declared and passes the document's own
 * validation) and run what can run off an EC2 host.
 */

interface DocumentParameter {
  type: string;
  allowedPattern?: string;
  allowedValues?: string[];
  default?: string;
}
interface SsmDocument {
  schemaVersion: string;
  parameters: Record<string, DocumentParameter>;
  mainSteps: {
    action: string;
    name: string;
    precondition?: unknown;
    inputs: { timeoutSeconds: string; runCommand: string[] };
  }[];
}

const DIR = join(__dirname, '../../../ssm-documents');
const documentOf = (faultType: HostFaultType): SsmDocument =>
  parse(readFileSync(join(DIR, `${faultType}.yaml`), 'utf8')) as SsmDocument;

/** Parameter sets the provider may send for each fault: defaults and edges of the domain's ranges. */
const SAMPLES: Record<HostFaultType, Record<string, unknown>[]> = {
  'cpu-stress': [{}, { loadPercent: 1, workers: 64 }, { loadPercent: 100, workers: 1 }],
  'memory-stress': [{}, { megabytes: 1 }, { megabytes: 65_536 }],
  'disk-stress': [{}, { megabytes: 1_048_576, path: '/mnt/data-1' }],
  'network-latency': [{}, { delayMs: 60_000, jitterMs: 10_000, interface: 'ens5' }, { delayMs: 1, jitterMs: 0 }],
  'network-partition': [
    {},
    { direction: 'dependency', cidrs: ['10.0.0.0/8', '192.168.1.20'] },
    { cidrs: ['172.16.0.0/12'] },
  ],
  'service-unavailable': [{ service: 'nginx' }, { service: 'checkout@blue.service' }],
  'dependency-timeout': [
    { endpoint: 'orders.cluster-abc.us-east-1.rds.amazonaws.com:5432' },
    { endpoint: '10.0.3.15' },
  ],
};

/** The script SSM would run: every {{ Parameter }} replaced by its value. */
const render = (doc: SsmDocument, values: Record<string, string>): string =>
  doc.mainSteps[0]!.inputs.runCommand.join('\n').replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for {{ ${name} }}`);
    return values[name]!;
  });

describe.each(HOST_FAULT_TYPES)('SSM document %s', (faultType) => {
  const doc = documentOf(faultType);

  it('is a schema 2.2 shell-script document for Linux with Action and DurationSeconds', () => {
    expect(doc.schemaVersion).toBe('2.2');
    expect(doc.mainSteps).toHaveLength(1);
    expect(doc.mainSteps[0]).toMatchObject({
      action: 'aws:runShellScript',
      precondition: { StringEquals: ['platformType', 'Linux'] },
    });
    expect(doc.parameters.Action).toMatchObject({
      type: 'String',
      allowedValues: ['inject', 'cleanup'],
      default: 'inject',
    });
    expect(doc.parameters.DurationSeconds).toMatchObject({ type: 'String', allowedPattern: '^[1-9][0-9]{0,5}$' });
  });

  it('declares every parameter the provider sends, and accepts every value it sends', () => {
    for (const sample of SAMPLES[faultType]) {
      for (const action of ['inject', 'cleanup'] as const) {
        for (const seconds of [1, 300, 999_999]) {
          const sent = hostFaultParameters(faultType, sample, seconds, action);
          const required = Object.entries(doc.parameters)
            .filter(([, p]) => p.default === undefined)
            .map(([name]) => name);
          expect(Object.keys(sent).sort()).toEqual(expect.arrayContaining(required.sort()));
          for (const [name, [value]] of Object.entries(sent)) {
            const declared = doc.parameters[name];
            expect(declared).toBeDefined();
            if (declared!.allowedPattern) expect(value).toMatch(new RegExp(declared!.allowedPattern));
            if (declared!.allowedValues) expect(declared!.allowedValues).toContain(value);
          }
        }
      }
    }
  });

  it('uses only parameters it declares, and its defaults pass its own validation', () => {
    const used = [...doc.mainSteps[0]!.inputs.runCommand.join('\n').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
    expect(new Set(used)).toEqual(new Set(Object.keys(doc.parameters)));
    for (const p of Object.values(doc.parameters)) {
      if (p.default !== undefined && p.allowedPattern) expect(p.default).toMatch(new RegExp(p.allowedPattern));
    }
  });

  it('is a valid bash script for both actions', () => {
    for (const action of ['inject', 'cleanup'] as const) {
      const values = Object.fromEntries(
        Object.entries(hostFaultParameters(faultType, SAMPLES[faultType][0]!, 300, action)).map(([k, [v]]) => [k, v!]),
      );
      const result = spawnSync('bash', ['-n'], { input: render(doc, values) });
      expect(result.stderr.toString()).toBe('');
      expect(result.status).toBe(0);
    }
  });

  it('ends the fault on the host by itself: a deadline unit or a timeout of DurationSeconds', () => {
    const script = doc.mainSteps[0]!.inputs.runCommand.join('\n');
    expect(script).toMatch(
      /systemd-run --unit="\$EXPIRY"[^\n]*\\\n\s*\/bin\/bash -c "sleep \$DURATION;|timeout --signal=KILL "\$DURATION"/,
    );
  });
});

/**
 * SSM refuses a parameter value that does not match the parameter's allowedPattern (or is not one
 * of its allowedValues), before anything runs; the value then replaces {{ Name }} in the script as
 * text. The patterns are therefore the documents' defence against shell injection.
 *
 * SSM's own engine is Java's; here each pattern runs as a JavaScript RegExp with `test`, which finds a
 * match anywhere in the value: the stricter reading, under which only a pattern anchored at both
 * ends (^...$) can pass. One difference remains: Java's `$` also matches before a final line
 * terminator, so SSM may let through a value with one trailing newline. Every value sits inside
 * single quotes in the scripts and nothing can follow that newline, so it cannot start a command.
 */
const accepts = (parameter: DocumentParameter, value: string): boolean =>
  (parameter.allowedValues === undefined || parameter.allowedValues.includes(value)) &&
  (parameter.allowedPattern === undefined || new RegExp(parameter.allowedPattern).test(value));

/** Values that would add a command, an option or a redirection if the shell saw them unchecked. */
const injectionAttempts = (valid: string): string[] => [
  `${valid}; rm -rf /`,
  `${valid};reboot`,
  '$(reboot)',
  `${valid}$(reboot)`,
  '`reboot`',
  `${valid}\`reboot\``,
  `${valid}\nreboot`,
  `${valid}\r\nreboot`,
  `reboot\n${valid}`,
  `${valid}\n`,
  `${valid} && reboot`,
  `${valid}&&reboot`,
  `${valid} || reboot`,
  `${valid} | sh`,
  `${valid}|sh`,
  `${valid} & reboot`,
  `${valid} > /etc/passwd`,
  `${valid}>/etc/passwd`,
  `${valid}</etc/shadow`,
  `${valid}'; reboot; '`,
  `'${valid}'`,
  `"${valid}"`,
  `${valid}'`,
  `${valid}\\`,
  `${valid} `,
  ` ${valid}`,
  `${valid} reboot`,
  `${valid}\treboot`,
  `${valid}\${IFS}reboot`,
  `${valid}#`,
  `${valid}*`,
  `-${valid}`,
  '--help',
  '-rf',
  '',
];

/** The attempts a parameter lets through (none is the goal). */
const holes = (parameter: DocumentParameter, valid: string): string[] =>
  injectionAttempts(valid).filter((attempt) => accepts(parameter, attempt));

/** Every value of a parameter known to be valid: its default and whatever the provider sends. */
const validValues = (faultType: HostFaultType, name: string): string[] => {
  const declared = documentOf(faultType).parameters[name]!;
  const sent = SAMPLES[faultType].flatMap(
    (sample) => hostFaultParameters(faultType, sample, 300, 'inject')[name] ?? [],
  );
  return [
    ...new Set([
      ...(declared.default === undefined ? [] : [declared.default]),
      ...(declared.allowedValues ?? []),
      ...sent,
    ]),
  ];
};

describe.each(HOST_FAULT_TYPES)('SSM document %s against shell injection', (faultType) => {
  const doc = documentOf(faultType);

  it.each(Object.keys(doc.parameters))(
    '%s is constrained, anchored, accepts its valid values and refuses every injection attempt',
    (name) => {
      const parameter = doc.parameters[name]!;
      expect(parameter.allowedPattern !== undefined || parameter.allowedValues !== undefined).toBe(true);
      if (parameter.allowedPattern) expect(parameter.allowedPattern).toMatch(/^\^.*[^\\]\$$/);
      const valid = validValues(faultType, name);
      expect(valid.length).toBeGreaterThan(0);
      for (const value of valid) {
        expect({ value, accepted: accepts(parameter, value) }).toEqual({ value, accepted: true });
        expect({ value, holes: holes(parameter, value) }).toEqual({ value, holes: [] });
      }
    },
  );
});

describe('the injection check on deliberately weak patterns', () => {
  it.each([
    ['anything goes', '^.*$', '300'],
    ['unanchored digits', '[0-9]+', '300'],
    ['anchored at the start only', '^[0-9]+', '300'],
    ['anchored on one side of an alternation each', '^any|[0-9./]+$', 'any'],
    ['a leading dash allowed', '^[A-Za-z0-9._-]{1,64}$', 'nginx'],
  ])('finds the holes of %s (%s)', (_, allowedPattern, valid) => {
    const parameter: DocumentParameter = { type: 'String', allowedPattern };
    expect(accepts(parameter, valid)).toBe(true);
    expect(holes(parameter, valid).length).toBeGreaterThan(0);
  });

  it('finds the holes of a parameter with no constraint at all', () => {
    expect(holes({ type: 'String' }, 'nginx')).toEqual(injectionAttempts('nginx'));
  });
});

describe('hostFaultParameters refuses what the documents refuse', () => {
  // The provider checks the free-form strings itself, so that a bad value is refused with its reason
  // before anything is sent: it must refuse every attempt the document's pattern refuses.
  const free: [HostFaultType, string, (value: string) => Record<string, unknown>][] = [
    ['disk-stress', 'Path', (path) => ({ path })],
    ['network-latency', 'Interface', (iface) => ({ interface: iface })],
    ['network-partition', 'Cidrs', (cidr) => ({ direction: 'dependency', cidrs: [cidr] })],
    ['service-unavailable', 'Service', (service) => ({ service })],
    ['dependency-timeout', 'Endpoint', (endpoint) => ({ endpoint })],
  ];

  it.each(free)('%s %s', (faultType, name, parameters) => {
    const accepted = validValues(faultType, name)
      .flatMap(injectionAttempts)
      .filter((attempt) => {
        try {
          hostFaultParameters(faultType, parameters(attempt), 300, 'inject');
          return true;
        } catch (error) {
          expect(error).toBeInstanceOf(HostFaultParameterError);
          return false;
        }
      });
    expect(accepted).toEqual([]);
  });
});

describe('disk-stress document, run with systemd stubbed', () => {
  let work: string;
  let bin: string;
  const doc = documentOf('disk-stress');

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'faultline-disk-'));
    bin = join(work, 'bin');
    spawnSync('mkdir', ['-p', bin, join(work, 'data')]);
    // systemd-run records what it was asked to run; systemctl knows no unit.
    writeFileSync(join(bin, 'systemd-run'), `#!/bin/bash\nprintf '%s\\n' "$@" >> "${work}/systemd-run.log"\n`);
    writeFileSync(join(bin, 'systemctl'), '#!/bin/bash\nexit 1\n');
    chmodSync(join(bin, 'systemd-run'), 0o755);
    chmodSync(join(bin, 'systemctl'), 0o755);
  });

  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const run = (action: 'inject' | 'cleanup', megabytes: number) => {
    const values = Object.fromEntries(
      Object.entries(hostFaultParameters('disk-stress', { megabytes, path: join(work, 'data') }, 300, action)).map(
        ([k, [v]]) => [k, v!],
      ),
    );
    return spawnSync('bash', ['-c', render(doc, values)], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
  };

  it('arms the deadline, fills the file, and cleanup removes it', () => {
    // Act
    const inject = run('inject', 2);

    // Assess
    const fill = join(work, 'data', 'faultline-disk-stress.fill');
    expect(inject.status).toBe(0);
    expect(statSync(fill).size).toBe(2 * 1024 * 1024);
    const armed = readFileSync(join(work, 'systemd-run.log'), 'utf8');
    expect(armed).toContain('--unit=faultline-disk-stress-expiry');
    expect(armed).toContain(`sleep 300; rm -f '${fill}'`);

    // Act
    const cleanup = run('cleanup', 2);

    // Assess
    expect(cleanup.status).toBe(0);
    expect(existsSync(fill)).toBe(false);
  });

  it('cleanup succeeds when there is nothing to clean up', () => {
    expect(run('cleanup', 2).status).toBe(0);
  });
});
