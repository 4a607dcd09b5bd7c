import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type JunitRun, junitXml } from '../shared/report/junit';

/** Writes the report of --junit, creating its directory (the XML is built in shared/report/junit.ts). */
export const writeJunit = (path: string, run: JunitRun): void => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, junitXml(run));
};
