import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CompletionFigures, OperationalMetrics } from '../report/ports';

/** The CloudWatch namespace of faultline's own metrics; the dashboard (stack/dashboard.yml) reads it. */
export const METRIC_NAMESPACE = 'Faultline';

/** Metric names, as the dashboard and the README name them. */
export const METRIC_NAMES = {
  experimentsCompleted: 'ExperimentsCompleted',
  alarmToRevertSeconds: 'AlarmToRevertSeconds',
  failedReverts: 'FailedReverts',
  rollbacksFailed: 'RollbacksFailed',
} as const;

export interface EmfMetricsOptions {
  /** The `service` dimension Powertools puts on every metric: `faultline-<stage>`, one stack's own. */
  service: string;
  namespace?: string;
  /** Where Powertools' own warnings go; nowhere by default (the report function logs its outcome). */
  logger?: PowertoolsLogger;
}

type PowertoolsLogger = NonNullable<NonNullable<ConstructorParameters<typeof Metrics>[0]>['logger']>;

const quiet: PowertoolsLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * Operational metrics in CloudWatch embedded metric format (Powertools for AWS Lambda): a JSON line
 * on standard output that CloudWatch Logs turns into metrics, no API call and no permission needed.
 * Two documents per finished execution, since EMF gives every metric of one document the same
 * dimensions:
 *
 * - `ExperimentsCompleted` (Count, 1) with the dimension `Verdict`;
 * - `FailedReverts` (Count: faults left REVERT_FAILED), `RollbacksFailed` (Count: 1 when the
 *   execution ended ROLLBACK_FAILED, else 0) and, when an alarm stopped the run and a fault was
 *   reverted, `AlarmToRevertSeconds` (Seconds).
 *
 * Every metric also carries Powertools' `service` dimension.
 */
export class EmfOperationalMetrics implements OperationalMetrics {
  private readonly metrics: Metrics;

  constructor(options: EmfMetricsOptions) {
    this.metrics = new Metrics({
      namespace: options.namespace ?? METRIC_NAMESPACE,
      serviceName: options.service,
      logger: options.logger ?? quiet,
    });
  }

  experimentCompleted(figures: CompletionFigures): void {
    this.metrics.addDimension('Verdict', figures.verdict);
    this.metrics.addMetric(METRIC_NAMES.experimentsCompleted, MetricUnit.Count, 1);
    this.metrics.publishStoredMetrics();

    this.metrics.addMetric(METRIC_NAMES.failedReverts, MetricUnit.Count, figures.failedReverts);
    this.metrics.addMetric(METRIC_NAMES.rollbacksFailed, MetricUnit.Count, figures.rollbackFailed ? 1 : 0);
    if (figures.alarmToRevertSeconds !== null)
      this.metrics.addMetric(METRIC_NAMES.alarmToRevertSeconds, MetricUnit.Seconds, figures.alarmToRevertSeconds);
    this.metrics.publishStoredMetrics();
  }
}
