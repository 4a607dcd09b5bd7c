import type { JournalEntry } from '../shared/domain/execution';
import type { BusEvent } from '../shared/ports';

/** Output of the CLI: progress lines (suppressed with --json) and the final document. */
export interface Output {
  progress(line: string): void;
  result(text: string): void;
  error(line: string): void;
}

export const consoleOutput = (json: boolean): Output => ({
  // With --json, stdout carries the result document only; progress goes to stderr on a terminal.
  progress: (line) => {
    if (!json) process.stdout.write(`${line}\n`);
    else if (process.stderr.isTTY) process.stderr.write(`${line}\n`);
  },
  result: (text) => process.stdout.write(`${text}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)}s`;

/** One progress line per event of an execution, with the time since it was requested. */
export const progressLine = (event: BusEvent, startedAt: number): string | undefined => {
  const d = event.detail as Record<string, unknown>;
  const at = seconds(Date.now() - startedAt);
  switch (event['detail-type']) {
    case 'ExperimentRequested':
      return `${at}  requested        ${String(d.experimentId)} (${String(d.executionId)})`;
    case 'ExperimentStarted':
      return `${at}  prepared         targets ${(d.targets as { id: string }[]).map((t) => t.id).join(', ')}`;
    case 'ExperimentRejected':
      return `${at}  rejected         ${(d.reasons as string[]).join('; ')}`;
    case 'FaultInjected':
      return `${at}  injected         ${(d.faults as { action: string; faultType: string; targetId: string }[]).map((f) => `${f.faultType} on ${f.targetId}`).join(', ')}`;
    case 'InjectionFailed':
      return `${at}  injection failed ${String(d.error)}`;
    case 'ObservationCompleted':
      return `${at}  observed         ${formatMetrics(d.metrics as Record<string, unknown>)}`;
    case 'SafetyViolated':
      return `${at}  SAFETY           ${String(d.message)}`;
    case 'FaultReverted':
      return `${at}  reverted         ${(d.faults as unknown[]).length} fault(s)`;
    case 'RollbackFailed':
      return `${at}  ROLLBACK FAILED  a fault may still be active: needs a human`;
    case 'RecoveryConfirmed':
      return `${at}  recovered        in ${Number(d.recoverySeconds).toFixed(1)}s after the revert`;
    case 'RecoveryTimedOut':
      return `${at}  not recovered    after ${Number(d.waitedSeconds).toFixed(0)}s`;
    case 'ExperimentCompleted':
      return `${at}  done             ${String(d.status)} / verdict ${String(d.verdict)}`;
    default:
      return undefined;
  }
};

const formatMetrics = (m: Record<string, unknown> | undefined): string => {
  if (!m) return 'no figures';
  const latency = m.latencyMs as Record<string, number> | undefined;
  return [
    m.availabilityPercent !== undefined
      ? `availability ${Number(m.availabilityPercent).toFixed(2)}%`
      : 'availability ?',
    latency?.p95 !== undefined ? `p95 ${Math.round(latency.p95)}ms` : 'p95 ?',
    m.requests !== undefined ? `${String(m.requests)} requests` : '',
  ]
    .filter(Boolean)
    .join(', ');
};

/** Progress of a remote execution, from its journal. */
export const journalLine = (entry: JournalEntry, startedAt: number): string =>
  `${seconds(Date.parse(entry.at) - startedAt)}  ${entry.phase.padEnd(8)} ${entry.action}${entry.outcome !== 'ok' ? ` (${entry.outcome})` : ''}${entry.error ? `: ${entry.error}` : ''}`;

/** A plain text table. */
export const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
};
