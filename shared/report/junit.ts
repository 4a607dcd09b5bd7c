import type { ResultDocument } from './document';

/**
 * The JUnit XML report of `--junit <file>` (run, gameday, pipeline) and of the report function: one
 * <testsuite> per run (the game day's suite name, or the template id), one <testcase> per execution.
 * Pure: result documents in, an XML string out (the CLI writes it, `cli/junit.ts`).
 *
 * - COMPLETED with verdict PASSED is a pass; nothing else is (an unknown status is a failure).
 * - A dry run (COMPLETED, INCONCLUSIVE, reason "dry run") is <skipped>: it checked the template and
 *   the targets but injected nothing, so it neither passes nor fails the experiment.
 * - FAILED, INCONCLUSIVE, REJECTED, ROLLBACK_FAILED (and a run that never finished) are <failure>
 *   whose type is the status (or the verdict when COMPLETED) and whose message and text are the
 *   reasons, the safety violation and the criteria not met.
 * - The execution id, status, verdict, metrics and resilience score are <properties> of the test case
 *   (a metric or score that is null is left out, as nothing was measured or scored); time is in
 *   seconds from requestedAt to completedAt.
 * - A game day's score (`gameDayScore`, README "Resilience score") is a <property> of its <testsuite>.
 */

export interface JunitRun {
  /** The game day's suite name, or the template id of a single run. */
  name: string;
  documents: readonly ResultDocument[];
  /** A game day's score: a `gameDayScore` property of the <testsuite>; left out when undefined or null. */
  gameDayScore?: number | null | undefined;
}

type Outcome =
  | { kind: 'passed' }
  | { kind: 'skipped'; message: string }
  | { kind: 'failed'; type: string; message: string; text: string };

/** XML 1.0 forbids most control characters even escaped: they are dropped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it removes
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export const escapeXml = (value: unknown): string =>
  String(value)
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

const seconds = (document: ResultDocument): number => {
  const ms = Date.parse(document.completedAt) - Date.parse(document.requestedAt);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
};

const time = (s: number) => s.toFixed(3);

const isDryRun = (d: ResultDocument) => d.dryRun && d.status === 'COMPLETED';

export const outcomeOf = (d: ResultDocument): Outcome => {
  if (d.status === 'COMPLETED' && d.verdict === 'PASSED' && !d.dryRun) return { kind: 'passed' };
  if (isDryRun(d)) return { kind: 'skipped', message: d.reasons.length ? d.reasons.join('; ') : 'dry run' };
  const details = [
    ...d.reasons,
    ...(d.safety.violated ? [`safety violated: ${d.safety.reason ?? 'no reason given'}`] : []),
    ...d.criteria
      .filter((c) => c.passed !== true)
      .map(
        (c) =>
          `criterion ${c.type}: expected ${c.expected}, actual ${c.actual ?? 'unknown'}${c.passed === null ? ' (not evaluated)' : ''}`,
      ),
  ];
  const type = d.status === 'COMPLETED' ? d.verdict : d.status;
  const message = details.length ? details.join('; ') : `status ${d.status}, verdict ${d.verdict}`;
  return { kind: 'failed', type, message, text: [`status ${d.status}, verdict ${d.verdict}`, ...details].join('\n') };
};

const properties = (d: ResultDocument): [string, string | number | boolean][] => {
  const metrics: [string, number | null][] = [
    ['availabilityPercent', d.metrics.availabilityPercent],
    ['p95LatencyMs', d.metrics.p95LatencyMs],
    ['recoverySeconds', d.metrics.recoverySeconds],
  ];
  return [
    ['executionId', d.executionId],
    ['experimentId', d.experimentId],
    ['templateVersion', d.templateVersion],
    ['status', d.status],
    ['verdict', d.verdict],
    ['environment', d.environment],
    ['dryRun', d.dryRun],
    ['trigger', d.trigger.type],
    ...metrics.filter((m): m is [string, number] => m[1] !== null),
    ...(typeof d.score === 'number' ? [['score', d.score] as [string, number]] : []),
    ...d.criteria.map((c, i): [string, string] => [
      `criterion.${i + 1}.${c.type}`,
      `expected ${c.expected}, actual ${c.actual ?? 'unknown'}, ${c.passed === null ? 'not evaluated' : c.passed ? 'met' : 'not met'}`,
    ]),
    ['requestedAt', d.requestedAt],
    ['completedAt', d.completedAt],
  ];
};

const testCase = (suite: string, d: ResultDocument): string => {
  const outcome = outcomeOf(d);
  const lines = [
    `    <testcase name="${escapeXml(d.experimentId)}" classname="${escapeXml(suite)}" time="${time(seconds(d))}">`,
    '      <properties>',
    ...properties(d).map(
      ([name, value]) => `        <property name="${escapeXml(name)}" value="${escapeXml(value)}"/>`,
    ),
    '      </properties>',
  ];
  if (outcome.kind === 'skipped') lines.push(`      <skipped message="${escapeXml(outcome.message)}"/>`);
  if (outcome.kind === 'failed')
    lines.push(
      `      <failure message="${escapeXml(outcome.message)}" type="${escapeXml(outcome.type)}">${escapeXml(outcome.text)}</failure>`,
    );
  lines.push('    </testcase>');
  return lines.join('\n');
};

/** The JUnit XML of one run: a string, nothing written. */
export const junitXml = (run: JunitRun): string => {
  const outcomes = run.documents.map(outcomeOf);
  const tests = run.documents.length;
  const failures = outcomes.filter((o) => o.kind === 'failed').length;
  const skipped = outcomes.filter((o) => o.kind === 'skipped').length;
  const total = time(run.documents.reduce((sum, d) => sum + seconds(d), 0));
  const timestamp = run.documents
    .map((d) => d.requestedAt)
    .sort()
    .at(0);
  const counts = `tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${total}"`;
  const name = escapeXml(run.name);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="faultline" ${counts}>`,
    `  <testsuite name="${name}" ${counts}${timestamp ? ` timestamp="${escapeXml(timestamp)}"` : ''}>`,
    ...(typeof run.gameDayScore === 'number'
      ? [
          '    <properties>',
          `      <property name="gameDayScore" value="${escapeXml(run.gameDayScore)}"/>`,
          '    </properties>',
        ]
      : []),
    ...run.documents.map((d) => testCase(run.name, d)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
};
