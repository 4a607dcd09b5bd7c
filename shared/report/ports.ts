/**
 * Ports of the report function (docs/architecture.md §5): where its files go and where its
 * operational metrics go. The AWS adapters are in shared/aws/ (S3, CloudWatch embedded metric
 * format), the local ones in local/report.ts.
 */
import type { Verdict } from '../domain/execution';

/** One report file: its key under the sink (`reports/<experimentId>/<executionId>/report.html`), its text and type. */
export interface ReportObject {
  key: string;
  body: string;
  contentType: string;
}

/** Where reports are written: the report bucket on AWS, a folder on one machine. The same key again replaces it. */
export interface ReportSink {
  put(object: ReportObject): Promise<void>;
}

/** What a finished execution says about faultline's own operation (shared/report/figures.ts). */
export interface CompletionFigures {
  verdict: Verdict;
  /** From the stop-condition alarm (`safety.at`, source `alarm`) to the last fault's revert; null otherwise. */
  alarmToRevertSeconds: number | null;
  /** Faults left REVERT_FAILED. */
  failedReverts: number;
  /** Whether the execution ended ROLLBACK_FAILED. */
  rollbackFailed: boolean;
}

/** Operational metrics: CloudWatch embedded metric format on AWS, nothing on one machine. */
export interface OperationalMetrics {
  experimentCompleted(figures: CompletionFigures): void;
}
