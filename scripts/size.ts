/**
 * Packages the stack offline and prints each function's bundle, zipped and unzipped. Exits 1 when
 * a function is over the budget (100 KB zipped).
 *
 *   npm run size
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { disposePackagedStack, packageStack } from '../testing/package-stack';

const BUDGET_BYTES = 100 * 1024;

/** Sum of the uncompressed sizes in a zip's central directory. */
export const unzippedSize = (zip: Buffer): number => {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file');
  const entries = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt central directory');
    total += zip.readUInt32LE(offset + 24);
    offset += 46 + zip.readUInt16LE(offset + 28) + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return total;
};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const main = () => {
  const { dir } = packageStack();
  const rows = readdirSync(dir)
    .filter((f) => f.endsWith('.zip'))
    .map((f) => ({
      name: f.replace(/\.zip$/, ''),
      zipped: statSync(join(dir, f)).size,
      unzipped: unzippedSize(readFileSync(join(dir, f))),
    }))
    .sort((a, b) => b.zipped - a.zipped);
  process.stdout.write(`${'function'.padEnd(24)} ${'zipped'.padStart(10)} ${'unzipped'.padStart(10)}\n`);
  for (const r of rows) {
    process.stdout.write(
      `${r.name.padEnd(24)} ${kb(r.zipped).padStart(10)} ${kb(r.unzipped).padStart(10)}${r.zipped > BUDGET_BYTES ? '  over the 100 KB budget' : ''}\n`,
    );
  }
  disposePackagedStack();
  const over = rows.filter((r) => r.zipped > BUDGET_BYTES);
  process.stdout.write(`${rows.length} functions, ${over.length} over the budget of ${kb(BUDGET_BYTES)} zipped\n`);
  if (over.length) process.exitCode = 1;
};

main();
