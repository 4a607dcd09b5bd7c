import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * Which way the arrows of the house run. What the Lambda functions bundle (`functions/`,
 * `shared/`, `events/`) never imports the embedded runtime, the CLI, scripts or tests; the event
 * catalogue imports nothing of `shared/`.
 */
const RULES: { from: string; mayNotImport: string[] }[] = [
  { from: 'events/', mayNotImport: ['shared/', 'functions/', 'local/', 'cli/', 'scripts/', 'testing/', 'test/'] },
  { from: 'shared/', mayNotImport: ['functions/', 'local/', 'cli/', 'scripts/', 'testing/', 'test/'] },
  { from: 'functions/', mayNotImport: ['local/', 'cli/', 'scripts/', 'testing/', 'test/'] },
  { from: 'local/', mayNotImport: ['cli/', 'scripts/', 'test/'] },
  { from: 'scripts/', mayNotImport: ['test/'] },
  { from: 'testing/', mayNotImport: ['test/', 'cli/', 'scripts/'] },
];

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Every import of `files` that runs the wrong way, as `file:line imports target`. */
const wrongWayImports = (files: readonly { path: string; text: string }[]): string[] => {
  const found: string[] = [];
  for (const file of files) {
    const rule = RULES.find((r) => file.path.startsWith(r.from));
    if (!rule) continue;
    for (const match of file.text.matchAll(IMPORT)) {
      const target = normalize(join(dirname(file.path), match[1]!)).replace(/\\/g, '/');
      const banned = rule.mayNotImport.find((prefix) => `${target}/`.startsWith(prefix));
      if (banned) {
        const line = file.text.slice(0, match.index).split('\n').length;
        found.push(`${file.path}:${line} imports ${target} (${rule.from} may not import ${banned})`);
      }
    }
  }
  return found;
};

const root = join(__dirname, '..', '..');
const sources = () =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.ts', '*.js', '*.mjs'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)
    .map((path) => ({
      path: relative(root, join(root, path)).replace(/\\/g, '/'),
      text: readFileSync(join(root, path), 'utf8'),
    }));

describe('the import graph', () => {
  it('runs one way: what the functions bundle never reaches into the local runtime, the CLI, scripts or tests', () => {
    expect(wrongWayImports(sources())).toEqual([]);
  });

  it('catches a deliberate wrong-way import', () => {
    const broken = [
      {
        path: 'shared/phases/inject.ts',
        text: "import { EmbeddedRuntime } from '../../local/runtime';\nimport { x } from '../ports';",
      },
      { path: 'events/contract.ts', text: "import type { BusEntry } from '../shared/ports';" },
      { path: 'shared/store/table.ts', text: "const t = require('../../test/support/templates');" },
      { path: 'functions/inject/handler.ts', text: "import { main } from '../../cli/main';" },
      { path: 'local/runtime.ts', text: "import { PHASES } from '../shared/phases/definitions';" },
    ];
    expect(wrongWayImports(broken)).toEqual([
      'shared/phases/inject.ts:1 imports local/runtime (shared/ may not import local/)',
      'events/contract.ts:1 imports shared/ports (events/ may not import shared/)',
      'shared/store/table.ts:1 imports test/support/templates (shared/ may not import test/)',
      'functions/inject/handler.ts:1 imports cli/main (functions/ may not import cli/)',
    ]);
  });
});
