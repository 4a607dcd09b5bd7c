/**
 * The one way tests reach the AWS event payloads in test/fixtures/aws-events (see SOURCES.md
 * there). The folder is inside the repository, so a fresh clone runs its tests with nothing
 * beside it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const AWS_EVENTS_DIR = join(__dirname, '..', 'fixtures', 'aws-events');

/** The path of one payload; throws when the file is not there, so a typo fails loudly. */
export const awsFixturePath = (name: string): string => {
  if (name !== name.trim() || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
    throw new Error(`not a fixture name: ${JSON.stringify(name)}`);
  }
  return join(AWS_EVENTS_DIR, name);
};

/** A payload's exact text, for tests that send the bytes AWS documents. */
export const awsFixtureText = (name: string): string => readFileSync(awsFixturePath(name), 'utf8');

/** A payload parsed, a fresh copy on each call: a test may change it freely. */
export const awsFixture = <T = Record<string, unknown>>(name: string): T => JSON.parse(awsFixtureText(name)) as T;

/** The JSON payloads whose names match, sorted. */
export const awsFixtureNames = (match: RegExp): string[] =>
  readdirSync(AWS_EVENTS_DIR)
    .filter((f) => f.endsWith('.json') && match.test(f))
    .sort();
