import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository's Biome configuration catches what it is there to catch. Biome runs on a sample in
 * a scratch folder under .cache/ (ignored by git and by biome.json) with a copy of biome.json whose
 * rules and formatter settings are the repository's own; only the file selection is left out,
 * since it names the repository's folders.
 */
const ROOT = path.join(__dirname, '..', '..');
const BIOME = path.join(ROOT, 'node_modules', '.bin', 'biome');

interface Diagnostic {
  category: string;
  severity: string;
  location: { path: string };
}

let dir: string;

beforeAll(() => {
  mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
  dir = mkdtempSync(path.join(ROOT, '.cache', 'lint-test-'));
  const {
    $schema: _schema,
    files: _files,
    vcs: _vcs,
    ...config
  } = JSON.parse(readFileSync(path.join(ROOT, 'biome.json'), 'utf8'));
  writeFileSync(path.join(dir, 'biome.json'), JSON.stringify({ ...config, root: true }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const check = (name: string, source: string): { status: number | null; diagnostics: Diagnostic[] } => {
  writeFileSync(path.join(dir, name), source);
  const run = spawnSync(BIOME, ['check', '--reporter=json', '--colors=off', name], { cwd: dir, encoding: 'utf8' });
  if (run.error) throw run.error;
  const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
  return { status: run.status, diagnostics: report.diagnostics };
};

const categories = (diagnostics: readonly Diagnostic[]) => diagnostics.map((d) => d.category).sort();

test('a clean file passes', () => {
  const source = [
    "import { join } from 'node:path';",
    '',
    "export const where = (name: string): string => join('/tmp', name);",
    '',
  ].join('\n');
  const { status, diagnostics } = check('clean.ts', source);
  expect(categories(diagnostics)).toEqual([]);
  expect(status).toBe(0);
});

test('an unused import and a 200-character line fail the check', () => {
  const values = Array.from({ length: 25 }, (_, i) => 100_000 + i).join(', ');
  const line = `export const values = [${values}];`;
  expect(line.length).toBeGreaterThanOrEqual(200);
  const source = ["import { readFileSync } from 'node:fs';", '', line, ''].join('\n');
  const { status, diagnostics } = check('broken.ts', source);
  expect(categories(diagnostics)).toEqual(['format', 'lint/correctness/noUnusedImports']);
  expect(diagnostics.every((d) => d.severity === 'error')).toBe(true);
  expect(status).toBe(1);
});
