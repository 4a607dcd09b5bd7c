import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatScore, gameDayScore } from '../../shared/domain/score';
import { FaultlineError } from '../../shared/errors';
import { InvalidSuiteError } from '../../shared/delivery/suite';
import { resolveSuiteFile } from '../../shared/delivery/suite-file';
import { renderExperimentReport, renderGameDayIndex } from '../../shared/report/html';
import { runGameDay } from '../../local/delivery';
import { localBackend } from '../backend';
import type { Output } from '../display';
import { writeJunit } from '../junit';
import {
  EXIT,
  progressOfEveryExecution,
  recordLocalSeries,
  summaryTable,
  UsageError,
  waitForSteady,
  type ResultDocument,
} from './common';
import { storedDocument } from '../../shared/report/publish';
import { reportFileName, shown, writeHtml } from './report';

/**
 * A game day on the embedded runtime: the suite file is checked (suite and every template) before
 * anything starts, then the suite runs as its schedule would run it (GameDayDue, allowed hours and
 * blackout windows, one run at a time, GameDayCompleted at the end).
 */
export const gameDayCommand = async (
  path: string,
  options: { json: boolean; local: boolean; junit?: string | undefined },
  out: Output,
): Promise<number> => {
  if (!existsSync(path)) throw new UsageError(`no suite at ${path}`);
  let suite;
  try {
    suite = resolveSuiteFile(path);
  } catch (error) {
    if (error instanceof InvalidSuiteError) throw new UsageError(`invalid suite ${path}: ${error.message}`);
    throw error;
  }
  if (!options.local)
    throw new UsageError(
      'game days of a deployed stack run on the schedules declared with it (README "Wired into delivery"); use --local to run one here',
    );
  out.progress(`game day "${suite.name}": starting the local environment (demo fleet, monitor, embedded runtime)`);
  const backend = await localBackend();
  const local = backend.local!;
  const documents: ResultDocument[] = [];
  const unsubscribe = local.runtime.bus.subscribe(
    progressOfEveryExecution(out, (experimentId) => out.progress(`\n== ${experimentId}`)),
  );
  let summary;
  let score: number | null = null;
  let indexPath: string | undefined;
  try {
    if (!(await waitForSteady(backend, out))) throw new FaultlineError('the demo fleet did not reach its steady state');
    summary = await runGameDay(local.runtime, path, { requestedBy: process.env.USER ?? 'cli' });
    const reports = resolve('reports');
    mkdirSync(reports, { recursive: true });
    const index = `gameday-${suite.name}-${summary.runId}.html`;
    for (const e of summary.executions) {
      await recordLocalSeries(backend, e.executionId);
      const stored = await storedDocument(backend.store, e.executionId);
      if (!stored) continue;
      const { execution, document } = stored;
      documents.push(document);
      writeFileSync(
        join(reports, `${execution.experimentId}-${execution.executionId}.json`),
        `${JSON.stringify(document, null, 2)}\n`,
      );
      writeHtml(
        join(reports, reportFileName(document)),
        renderExperimentReport(document, { hypothesis: execution.template?.hypothesis.statement, indexHref: index }),
      );
    }
    score = gameDayScore(documents.map((d) => d.score));
    const gameDay = { ...summary, score, results: documents };
    writeFileSync(
      join(reports, `gameday-${suite.name}-${summary.runId}.json`),
      `${JSON.stringify(gameDay, null, 2)}\n`,
    );
    indexPath = writeHtml(
      join(reports, index),
      renderGameDayIndex({ ...gameDay, suite: suite.name }, { reportHref: reportFileName }),
    );
    if (options.junit) writeJunit(options.junit, { name: suite.name, documents, gameDayScore: score });
    out.progress(
      `\njournals written to reports/ (one JSON and one HTML report per experiment, and gameday-${suite.name}-${summary.runId}.json)`,
    );
  } finally {
    unsubscribe();
    await backend.close();
  }
  if (summary.status === 'SKIPPED') {
    out.error(`game day "${suite.name}" did not run: ${summary.reason ?? 'skipped'}`);
    return EXIT.refused;
  }
  if (options.json) out.result(JSON.stringify({ ...summary, score, results: documents }, null, 2));
  else
    out.progress(
      `\n${summaryTable(documents)}\ngame-day score: ${formatScore(score)} (mean of ${documents.length} execution(s); README "Resilience score")\n\ngame day "${suite.name}": ${documents.length} experiment(s), suite verdict ${summary.verdict ?? 'INCONCLUSIVE'}`,
    );
  if (indexPath) out.progress(`report: ${shown(indexPath)}`);
  // The game day worked whatever its verdicts; a fault that may still be active is another matter.
  const stuck = documents.filter((d) => d.status === 'ROLLBACK_FAILED');
  if (stuck.length) {
    out.error(
      `ROLLBACK_FAILED: ${stuck.map((d) => `${d.experimentId} (${d.executionId})`).join(', ')}: a fault may still be active`,
    );
    return EXIT.rollbackFailed;
  }
  return EXIT.ok;
};
