import { awsReportDependencies } from '../../shared/lambda/aws-root';
import { createReportHandler } from '../../shared/lambda/report-handler';

export const handler = createReportHandler(awsReportDependencies);
