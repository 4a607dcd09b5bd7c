import { posix } from 'node:path';
import type { EventOf, ExperimentCompleted, GameDayCompleted } from '../../events';
import type { Execution, FaultRecord } from '../domain/execution';
import { executionScore, gameDayScore } from '../domain/score';
import { ExecutionNotFoundError } from '../errors';
import { resultDocument } from '../phases/result';
import type {
  ExecutionRepository,
  FaultRepository,
  JournalRepository,
  MarkRepository,
  SeriesRepository,
} from '../store/execution-store';
import type { ReportAssets } from './assets';
import type { ResultDocument } from './document';
import { completionFigures } from './figures';
import { type HistoryPoint, renderExperimentReport, renderGameDayIndex } from './html';
import { junitXml } from './junit';
import type { OperationalMetrics, ReportObject, ReportSink } from './ports';
import { recordSeries, type RecordSeriesDependencies } from './record-series';

/**
 * The report function's use cases (docs/architecture.md §1, §2): a finished execution or game day
 * in, its reports written through the sink. Everything is read from the table (the event only names
 * what finished), so that a report says what the store says. The one write to the table is the
 * execution's series, recorded once (shared/report/record-series.ts); writing a report again writes
 * the same keys again, so a duplicate delivery changes nothing.
 *
 * - ExperimentCompleted → the execution's series recorded from the metrics source (when one is
 *   given), then `reports/<experimentId>/<executionId>/report.html`, `junit.xml` and `result.json`
 *   (the result document of `faultline run --json`), then the operational metrics.
 * - GameDayCompleted → `gamedays/<suite>/<runId>/index.html`, `junit.xml` (one test case per
 *   execution, the game day's score as a property) and `result.json` (the event, its score and
 *   every result document).
 */

/** What the report function reads: an execution, its faults, journal and series, and its template's history. */
export type ReportStore = Pick<ExecutionRepository, 'getExecution' | 'executionsOfExperiment'> &
  Pick<FaultRepository, 'listFaults'> &
  Pick<JournalRepository, 'readJournal'> &
  SeriesRepository &
  MarkRepository;

export interface ReportDependencies {
  store: ReportStore;
  sink: ReportSink;
  metrics: OperationalMetrics;
  /** The account whose events are trusted (the stack's own). */
  account: string;
  /** The charting library's files; read from node_modules by default (shared/report/assets.ts). */
  assets?: ReportAssets;
  /**
   * Where a finished execution's series are measured (on AWS: CloudWatch, 60 s). Without it
   * nothing is recorded and a report shows what the table holds.
   */
  series?: Omit<RecordSeriesDependencies, 'store'>;
  /** Where a series that could not be recorded is told (the report function's log). */
  logger?: { warn(message: string, fields?: Record<string, unknown>): void };
}

/** How many earlier runs of a template its report draws as the score trend. */
const HISTORY_LENGTH = 10;

const CONTENT_TYPES = {
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
} as const;

/**
 * One segment of a key as it is written: letters, digits, `.`, `_` and `-` only, at most 128, never
 * starting with a dot. Template ids and execution ids already are; anything else (an id of an
 * unusable template, a suite name from a hand-made event) is made so, and cannot reach outside its prefix.
 */
export const keySegment = (value: string): string => {
  const safe = value
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\./, '_')
    .slice(0, 128);
  return safe.length ? safe : '_';
};

/** Where an execution's reports go. */
const reportPrefix = (experimentId: string, executionId: string): string =>
  `reports/${keySegment(experimentId)}/${keySegment(executionId)}/`;

/** Where a game-day run's index goes. */
const gameDayPrefix = (suite: string, runId: string): string => `gamedays/${keySegment(suite)}/${keySegment(runId)}/`;

/** The href of the object `to` on a page stored at `from`: both are keys of the same bucket (or folder). */
const hrefBetween = (from: string, to: string): string => posix.relative(posix.dirname(from), to);

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

interface Loaded {
  execution: Execution;
  faults: FaultRecord[];
  document: ResultDocument;
}

/**
 * An execution, its faults and its result document as `faultline run --json` prints it (with its
 * series, null when none were recorded); undefined when the table holds no such execution.
 */
export const storedDocument = async (
  store: Omit<ReportStore, 'putSeries' | 'markOnce' | 'executionsOfExperiment'>,
  executionId: string,
): Promise<Loaded | undefined> => {
  const execution = await store.getExecution(executionId);
  if (!execution) return undefined;
  const [faults, journal, series] = await Promise.all([
    store.listFaults(executionId),
    store.readJournal(executionId),
    store.readSeries(executionId),
  ]);
  return { execution, faults, document: resultDocument(execution, faults, journal, series) };
};

const loadDocument = async (store: ReportStore, executionId: string): Promise<Loaded> => {
  const loaded = await storedDocument(store, executionId);
  if (!loaded) throw new ExecutionNotFoundError(executionId);
  return loaded;
};

/**
 * The score trend of a template: its last runs that have a score (final, neither REJECTED nor a
 * dry run), newest first, the run itself included. One definition for the report function and
 * `faultline report`.
 */
export const historyOf = async (
  store: Pick<ExecutionRepository, 'getExecution' | 'executionsOfExperiment'>,
  experimentId: string,
  last = HISTORY_LENGTH,
): Promise<HistoryPoint[]> => {
  const ids = await store.executionsOfExperiment(experimentId, last);
  const executions = await Promise.all(ids.map((id) => store.getExecution(id)));
  return executions
    .filter((e): e is Execution => e !== undefined && executionScore(e) !== null)
    .map((e) => ({
      executionId: e.executionId,
      completedAt: e.completedAt ?? e.updatedAt,
      verdict: e.verdict ?? null,
      score: executionScore(e),
    }));
};

const putAll = async (sink: ReportSink, objects: readonly ReportObject[]): Promise<string[]> => {
  for (const object of objects) await sink.put(object);
  return objects.map((o) => o.key);
};

/**
 * Records the execution's series once. A source that fails is recorded as such (`unavailable`);
 * a table that fails leaves nothing recorded: the failure is logged and the reports are written
 * all the same, showing "no series", rather than held back for a figure that is only illustration.
 */
const recordOnce = async (executionId: string, deps: ReportDependencies): Promise<void> => {
  if (!deps.series) return;
  try {
    await recordSeries(executionId, { store: deps.store, ...deps.series });
  } catch (error) {
    deps.logger?.warn('series not recorded', {
      executionId,
      error: (error as Error).message,
      name: (error as Error).name,
    });
  }
};

/** ExperimentCompleted: the execution's series, its three reports, then its operational metrics. Returns the keys written. */
export const publishExperimentReport = async (
  event: EventOf<typeof ExperimentCompleted>,
  deps: ReportDependencies,
): Promise<string[]> => {
  await recordOnce(event.detail.executionId, deps);
  const { execution, faults, document } = await loadDocument(deps.store, event.detail.executionId);
  const history = await historyOf(deps.store, execution.experimentId);
  const gameDay = execution.trigger.gameDay;
  const prefix = reportPrefix(execution.experimentId, execution.executionId);
  const html = renderExperimentReport(document, {
    history,
    hypothesis: execution.template?.hypothesis.statement,
    indexHref: gameDay
      ? hrefBetween(`${prefix}report.html`, `${gameDayPrefix(gameDay.suite, gameDay.runId)}index.html`)
      : undefined,
    assets: deps.assets,
  });
  const keys = await putAll(deps.sink, [
    { key: `${prefix}report.html`, body: html, contentType: CONTENT_TYPES.html },
    {
      key: `${prefix}junit.xml`,
      body: junitXml({ name: execution.experimentId, documents: [document] }),
      contentType: CONTENT_TYPES.xml,
    },
    { key: `${prefix}result.json`, body: json(document), contentType: CONTENT_TYPES.json },
  ]);
  // Counted once whatever the deliveries: after the writes (a retry after a failed write counts
  // it then), and only by the delivery that made the execution's `metrics` mark; a duplicate
  // ExperimentCompleted rewrites the same reports and counts nothing. A dry run injected nothing
  // and is no experiment to count.
  if (!execution.dryRun && (await deps.store.markOnce(execution.executionId, 'metrics')))
    deps.metrics.experimentCompleted(completionFigures(execution, faults));
  return keys;
};

/** GameDayCompleted: the run's index, JUnit report and JSON. Returns the keys written. */
export const publishGameDayReport = async (
  event: EventOf<typeof GameDayCompleted>,
  deps: ReportDependencies,
): Promise<string[]> => {
  const detail = event.detail;
  const documents: ResultDocument[] = [];
  for (const e of detail.executions) {
    // GameDayCompleted may arrive while the last execution's ExperimentCompleted is still recording
    // its series: recording here too (once, whoever is first) keeps the index from missing them.
    await recordOnce(e.executionId, deps);
    documents.push((await loadDocument(deps.store, e.executionId)).document);
  }
  const score = gameDayScore(documents.map((d) => d.score));
  const prefix = gameDayPrefix(detail.suite, detail.runId);
  const html = renderGameDayIndex(
    {
      suite: detail.suite,
      runId: detail.runId,
      status: 'COMPLETED',
      verdict: detail.verdict,
      score,
      results: documents,
    },
    {
      reportHref: (d) =>
        hrefBetween(`${prefix}index.html`, `${reportPrefix(d.experimentId, d.executionId)}report.html`),
      assets: deps.assets,
    },
  );
  return putAll(deps.sink, [
    { key: `${prefix}index.html`, body: html, contentType: CONTENT_TYPES.html },
    {
      key: `${prefix}junit.xml`,
      body: junitXml({ name: detail.suite, documents, gameDayScore: score }),
      contentType: CONTENT_TYPES.xml,
    },
    {
      key: `${prefix}result.json`,
      body: json({ ...detail, score, results: documents }),
      contentType: CONTENT_TYPES.json,
    },
  ]);
};
