import { EmfOperationalMetrics } from '../../../shared/aws/emf-metrics';
import type { FaultRecord } from '../../../shared/domain/execution';
import type { CompletionFigures } from '../../../shared/report/ports';
import { completionFigures } from '../../../shared/report/figures';
import { InMemoryStore } from '../../../testing/in-memory-store';
import { ManualClock, phaseDeps, replica, seedExecution, T0 } from '../phases/support';

/** CloudWatch's units (EMF specification): a unit outside this list is refused. */
const UNITS = new Set(
  'Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second Count/Second None'.split(
    ' ',
  ),
);

interface EmfMetric {
  namespace: string;
  name: string;
  unit: string;
  value: unknown;
  dimensions: Record<string, unknown>;
}

/**
 * Reads one EMF document as CloudWatch Logs would: every metric named under `_aws.CloudWatchMetrics`
 * must have a number at the root, every dimension a string, every unit one CloudWatch knows.
 * Returns the metrics with their dimensions, and the problems that would drop them.
 */
const readEmf = (line: string): { metrics: EmfMetric[]; problems: string[] } => {
  const doc = JSON.parse(line) as Record<string, unknown> & {
    _aws?: {
      Timestamp?: unknown;
      CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[];
    };
  };
  const problems: string[] = [];
  if (typeof doc._aws?.Timestamp !== 'number') problems.push('_aws.Timestamp is not a number');
  const metrics: EmfMetric[] = [];
  for (const directive of doc._aws?.CloudWatchMetrics ?? []) {
    const names = directive.Dimensions.flat();
    for (const name of names) if (typeof doc[name] !== 'string') problems.push(`dimension ${name} has no string value`);
    for (const metric of directive.Metrics) {
      const unit = metric.Unit ?? 'None';
      if (!UNITS.has(unit)) problems.push(`${metric.Name}: unit ${unit} is not a CloudWatch unit`);
      if (typeof doc[metric.Name] !== 'number') problems.push(`${metric.Name} has no numeric value`);
      metrics.push({
        namespace: directive.Namespace,
        name: metric.Name,
        unit,
        value: doc[metric.Name],
        dimensions: Object.fromEntries(names.map((n) => [n, doc[n]])),
      });
    }
  }
  return { metrics, problems };
};

/** The EMF lines written to standard output while `work` runs. */
const emfOf = (work: () => void): string[] => {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  try {
    work();
  } finally {
    write.mockRestore();
  }
  return lines;
};

const emitted = (figures: CompletionFigures) => {
  const lines = emfOf(() => new EmfOperationalMetrics({ service: 'faultline-ci' }).experimentCompleted(figures));
  const read = lines.map(readEmf);
  return { lines, metrics: read.flatMap((r) => r.metrics), problems: read.flatMap((r) => r.problems) };
};

describe('operational metrics in CloudWatch embedded metric format', () => {
  it('counts the completion under its Verdict, then the failed reverts and the alarm-to-revert time', () => {
    const { lines, metrics, problems } = emitted({
      verdict: 'FAILED',
      alarmToRevertSeconds: 12.5,
      failedReverts: 1,
      rollbackFailed: true,
    });

    expect(problems).toEqual([]);
    expect(lines).toHaveLength(2);
    expect(metrics).toEqual([
      {
        namespace: 'Faultline',
        name: 'ExperimentsCompleted',
        unit: 'Count',
        value: 1,
        dimensions: { service: 'faultline-ci', Verdict: 'FAILED' },
      },
      {
        namespace: 'Faultline',
        name: 'FailedReverts',
        unit: 'Count',
        value: 1,
        dimensions: { service: 'faultline-ci' },
      },
      {
        namespace: 'Faultline',
        name: 'RollbacksFailed',
        unit: 'Count',
        value: 1,
        dimensions: { service: 'faultline-ci' },
      },
      {
        namespace: 'Faultline',
        name: 'AlarmToRevertSeconds',
        unit: 'Seconds',
        value: 12.5,
        dimensions: { service: 'faultline-ci' },
      },
    ]);
  });

  it('leaves the alarm-to-revert time out when no alarm stopped the run, and counts zero failures', () => {
    const { metrics, problems } = emitted({
      verdict: 'PASSED',
      alarmToRevertSeconds: null,
      failedReverts: 0,
      rollbackFailed: false,
    });

    expect(problems).toEqual([]);
    expect(metrics.map((m) => [m.name, m.value, m.dimensions.Verdict])).toEqual([
      ['ExperimentsCompleted', 1, 'PASSED'],
      ['FailedReverts', 0, undefined],
      ['RollbacksFailed', 0, undefined],
    ]);
  });

  it('the reader reports a document CloudWatch would drop: a wrong unit, a missing value, a dimension without value', () => {
    const [good] = emitted({
      verdict: 'PASSED',
      alarmToRevertSeconds: null,
      failedReverts: 0,
      rollbackFailed: false,
    }).lines;
    const doc = JSON.parse(good!);
    doc._aws.CloudWatchMetrics[0].Metrics[0].Unit = 'Experiments';
    delete doc.Verdict;
    doc._aws.CloudWatchMetrics[0].Metrics.push({ Name: 'ExperimentsStarted', Unit: 'Count' });

    expect(readEmf(JSON.stringify(doc)).problems).toEqual([
      'dimension Verdict has no string value',
      'ExperimentsCompleted: unit Experiments is not a CloudWatch unit',
      'ExperimentsStarted has no numeric value',
    ]);
  });
});

describe('completionFigures', () => {
  const fault = (state: FaultRecord['state'], revertedAt?: string): FaultRecord => ({
    executionId: 'exec-1',
    action: `a-${state}-${revertedAt ?? 'none'}`,
    faultType: 'network-latency',
    target: replica('replica-1'),
    parameters: {},
    state,
    armedAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + 60_000).toISOString(),
    ...(revertedAt ? { revertedAt } : {}),
  });
  const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

  it('measures from the stop-condition alarm to the latest revert', async () => {
    const deps = phaseDeps({ store: new InMemoryStore(new ManualClock()) });
    const execution = await seedExecution(deps, 'ABORTED', {
      set: { verdict: 'FAILED', safety: { violated: true, reason: 'alarm', source: 'alarm', at: at(10) } },
    });

    expect(completionFigures(execution, [fault('REVERTED', at(14)), fault('REVERTED', at(17.5))])).toEqual({
      verdict: 'FAILED',
      alarmToRevertSeconds: 7.5,
      failedReverts: 0,
      rollbackFailed: false,
    });
  });

  it('has no alarm-to-revert time for a halt, a planned revert, or nothing reverted; counts REVERT_FAILED faults', async () => {
    const deps = phaseDeps();
    const halted = await seedExecution(deps, 'ABORTED', {
      executionId: 'halted',
      set: { verdict: 'FAILED', safety: { violated: true, reason: 'halt', source: 'halt', at: at(10) } },
    });
    const planned = await seedExecution(deps, 'COMPLETED', { executionId: 'planned', set: { verdict: 'PASSED' } });
    const stuck = await seedExecution(deps, 'ROLLBACK_FAILED', {
      executionId: 'stuck',
      set: { verdict: 'FAILED', safety: { violated: true, reason: 'alarm', source: 'alarm', at: at(10) } },
    });

    expect(completionFigures(halted, [fault('REVERTED', at(12))]).alarmToRevertSeconds).toBeNull();
    expect(completionFigures(planned, [fault('REVERTED', at(12))]).alarmToRevertSeconds).toBeNull();
    expect(completionFigures(stuck, [fault('REVERT_FAILED'), fault('REVERT_FAILED'), fault('INJECTED')])).toEqual({
      verdict: 'FAILED',
      alarmToRevertSeconds: null,
      failedReverts: 2,
      rollbackFailed: true,
    });
  });
});
