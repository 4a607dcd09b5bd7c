import { ExperimentCompleted, GameDayCompleted } from '../../events';
import { parseEnvelope } from '../../events/contract';
import { ForgedEventError, MalformedEventError } from '../errors';
import { publishExperimentReport, publishGameDayReport, type ReportDependencies } from '../report/publish';
import { createLogger, type Logger } from './logger';

/** The report function's name in serverless.yml. */
export const REPORT_FUNCTION_NAME = 'report';

/** The events the report function takes. Its rule in serverless.yml names the same (test/unit/report/handler.test.ts). */
export const REPORT_CONTRACTS = [ExperimentCompleted, GameDayCompleted] as const;

export interface ReportOutcome {
  outcome: 'written';
  keys: string[];
}

/**
 * The report function's edge. Like the phase handler's (shared/lambda/middlewares.ts), it refuses
 * an event that is malformed, of another detail-type or from another account, with a named error
 * that is logged and rethrown so that the event is dead-lettered. Unlike it, it claims nothing and
 * journals nothing: the report function reads the table and writes only an execution's series and
 * its `MARK#metrics` item, which counts the execution once in the metrics (each once, by a
 * conditional put; its role allows writes to execution partitions only), and writing a report
 * again writes the same objects again.
 */
export const createReportHandler = (
  source: ReportDependencies | (() => ReportDependencies),
  logger: Logger = createLogger(REPORT_FUNCTION_NAME),
) => {
  let resolved: ReportDependencies | undefined;
  const dependencies = () => (resolved ??= typeof source === 'function' ? source() : source);
  return async (raw: unknown, _context?: unknown): Promise<ReportOutcome> => {
    const deps = dependencies();
    let run: () => Promise<string[]>;
    try {
      const envelope = parseEnvelope(raw);
      const contract = REPORT_CONTRACTS.find(
        (c) => c.source === envelope.source && c.detailType === envelope['detail-type'],
      );
      if (!contract)
        throw new MalformedEventError(envelope['detail-type'], [
          {
            path: 'detail-type',
            message: `${REPORT_FUNCTION_NAME} does not handle ${envelope.source} "${envelope['detail-type']}"`,
          },
        ]);
      if (envelope.account !== deps.account)
        throw new ForgedEventError(envelope['detail-type'], `account ${envelope.account} is not this stack's account`);
      if (contract === ExperimentCompleted) {
        const event = ExperimentCompleted.parse(raw);
        run = () => publishExperimentReport(event, { logger, ...deps });
      } else {
        const event = GameDayCompleted.parse(raw);
        run = () => publishGameDayReport(event, deps);
      }
    } catch (error) {
      const problems = error instanceof MalformedEventError ? error.problems : undefined;
      logger.error('event refused', {
        error: (error as Error).message,
        name: (error as Error).name,
        ...(problems ? { problems } : {}),
      });
      throw error;
    }
    try {
      const keys = await run();
      logger.info('reports written', { detailType: (raw as { 'detail-type': string })['detail-type'], keys });
      return { outcome: 'written', keys };
    } catch (error) {
      logger.error('reports not written', { error: (error as Error).message, name: (error as Error).name });
      throw error;
    }
  };
};
