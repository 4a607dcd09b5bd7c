import { existsSync, readFileSync } from 'node:fs';
import { pollUntil, forAtMost } from '../../shared/poll';
import type { Template } from '../../shared/domain/template';
import { parseTemplateText } from '../../shared/domain/template-text';
import { FaultlineError } from '../../shared/errors';
import type { resultDocument } from '../../shared/phases/result';
import { recordSeries } from '../../shared/report/record-series';
import type { BusEvent } from '../../shared/ports';
import { awsBackend, stackNames, type Backend } from '../backend';
import { progressLine, table, type Output } from '../display';

/** What the CLI shares among its commands: exit codes, usage errors, templates, results, waits. */

export const EXIT = { ok: 0, refused: 1, internal: 2, failed: 3, inconclusive: 4, rollbackFailed: 5 } as const;

/** A command line that cannot be carried out as given: exit 1 (refused), never 2. */
export class UsageError extends FaultlineError {}

export const readTemplate = (path: string): Template => {
  if (!existsSync(path)) throw new UsageError(`no template at ${path}`);
  return parseTemplateText(readFileSync(path, 'utf8'));
};

export const remote = (stage: string | undefined) => awsBackend(stackNames(stage ? { stage } : {}));

export type ResultDocument = ReturnType<typeof resultDocument>;

/**
 * On the embedded runtime, a final execution's series are recorded from the local monitor before
 * its result is read (on AWS the report function records them on ExperimentCompleted). Recording
 * twice changes nothing.
 */
export const recordLocalSeries = async (backend: Backend, executionId: string): Promise<void> => {
  if (!backend.local) return;
  await recordSeries(executionId, { store: backend.store, metrics: backend.local.monitor, minimumPeriodSeconds: 1 });
};

export const summaryTable = (documents: readonly ResultDocument[]): string =>
  table(
    ['experiment', 'status', 'verdict', 'availability', 'p95 latency', 'recovery time'],
    documents.map((d) => [
      d.experimentId,
      d.status,
      d.verdict,
      d.metrics.availabilityPercent === null ? '-' : `${d.metrics.availabilityPercent.toFixed(2)}%`,
      d.metrics.p95LatencyMs === null ? '-' : `${Math.round(d.metrics.p95LatencyMs)} ms`,
      d.metrics.recoverySeconds === null ? '-' : `${d.metrics.recoverySeconds.toFixed(1)} s`,
    ]),
  );

/** Progress lines of every execution on the bus, timed from its first event. */
export const progressOfEveryExecution = (out: Output, onStart: (experimentId: string, executionId: string) => void) => {
  const startedAt = new Map<string, number>();
  return (event: BusEvent) => {
    const detail = event.detail as { executionId?: string; experimentId?: string };
    if (!detail?.executionId || !detail.experimentId) return;
    if (!startedAt.has(detail.executionId)) {
      startedAt.set(detail.executionId, Date.now());
      onStart(detail.experimentId, detail.executionId);
    }
    const line = progressLine(event, startedAt.get(detail.executionId)!);
    if (line) out.progress(line);
  };
};

/** Before an experiment, the fleet must be back to its steady state (bounded wait). */
export const waitForSteady = async (backend: Backend, out: Output): Promise<boolean> => {
  const local = backend.local!;
  const { value: health, done } = await pollUntil(
    forAtMost(60_000, 250),
    () => local.monitor.steady(undefined as never, []),
    (h) => h.steady,
  );
  if (!done) out.error(`fleet not steady: ${health.detail ?? ''}`);
  return done;
};
