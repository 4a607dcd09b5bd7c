/**
 * Writes events/schemas/<DetailType>.v<version>.json for every public event, from the zod
 * contracts. Run after changing a public contract: `node bin/run-ts.js scripts/event-schemas.ts`
 * (or `npx esbuild scripts/event-schemas.ts --bundle --platform=node --log-level=warning | node`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLIC_EVENTS } from '../events';
import { renderSchemaFile, schemaFileName } from '../events/json-schema';

// Run from the repository's root.
for (const contract of PUBLIC_EVENTS) {
  const file = schemaFileName(contract);
  writeFileSync(join(process.cwd(), file), renderSchemaFile(contract));
  process.stdout.write(`wrote ${file}\n`);
}
