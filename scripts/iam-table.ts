/**
 * Writes docs/iam.md: function × IAM action × resource, from the calls the functions make (driven
 * as in test/integration/iam-simulation.test.ts) and simulated against the packaged template's
 * roles. Refuses to write while the simulation has findings. Usage: npm run docs:iam
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { driveFunctions, FLEET, WORLD } from '../testing/iam-drive';
import { checkIam, renderIamTable, worldOf } from '../testing/iam-model';
import { disposePackagedStack, packageStack } from '../testing/package-stack';

export const main = async (): Promise<number> => {
  const world = worldOf(WORLD, FLEET);
  const drive = await driveFunctions();
  try {
    const { template } = packageStack();
    const result = await checkIam(template, drive.calls, world);
    if (result.findings.length > 0) {
      for (const f of result.findings)
        process.stderr.write(`${f.kind} ${f.fn} ${f.action} ${f.resource}: ${f.detail}\n`);
      return 1;
    }
    const file = join(process.cwd(), 'docs', 'iam.md');
    writeFileSync(file, renderIamTable(result.rows, world));
    process.stdout.write(`${file}: ${result.rows.length} rows, ${result.simulated} simulations\n`);
    return 0;
  } finally {
    disposePackagedStack();
  }
};
