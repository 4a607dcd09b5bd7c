import { isFinal } from '../domain/execution';
import { periodFor, placeOf, type ExecutionSeries } from '../domain/series';
import type { MetricsSource } from '../ports';
import type { ExecutionRepository, FaultRepository, SeriesRepository } from '../store/execution-store';

export interface RecordSeriesDependencies {
  store: Pick<ExecutionRepository, 'getExecution'> & Pick<FaultRepository, 'listFaults'> & SeriesRepository;
  metrics: MetricsSource;
  /** The finest period the source gives (the local monitor: 1 s; CloudWatch: 60 s). */
  minimumPeriodSeconds: number;
}

/**
 * Records the series of a final execution once (docs/architecture.md §3, "Series"): its figures
 * from the baseline to the end, with spans and markers, read from the same source as its
 * criteria. A source that fails gives a document that says so (`unavailable`), never a guess;
 * a second call (a duplicate ExperimentCompleted) gives back what is stored and changes nothing.
 * An execution that is not final, or has no template (rejected unread), has no series: null.
 */
export const recordSeries = async (
  executionId: string,
  deps: RecordSeriesDependencies,
): Promise<ExecutionSeries | null> => {
  const stored = await deps.store.readSeries(executionId);
  if (stored) return stored;
  const execution = await deps.store.getExecution(executionId);
  if (!execution?.template || !isFinal(execution.status)) return null;
  const faults = await deps.store.listFaults(executionId);
  const { from, to, spans, markers } = placeOf(execution, faults);
  const window = { from: new Date(from), to: new Date(to) };
  let document: ExecutionSeries;
  try {
    const measured = await deps.metrics.timeSeries(
      execution.template,
      window,
      periodFor(window.from, window.to, deps.minimumPeriodSeconds),
    );
    document = { from, to, periodSeconds: measured.periodSeconds, series: measured.series, spans, markers };
    if (!measured.series.length) document.unavailable = 'the metrics source measured nothing for this template';
  } catch (error) {
    document = {
      from,
      to,
      periodSeconds: 0,
      series: [],
      spans,
      markers,
      unavailable: `the metrics source failed: ${(error as Error).message}`.slice(0, 500),
    };
  }
  if (await deps.store.putSeries(executionId, document)) return document;
  return deps.store.readSeries(executionId);
};
