import { resolve } from 'node:path';
import { FolderReportSink } from '../../local/report';
import { localBackend } from '../backend';
import type { Output } from '../display';
import { EXIT, UsageError } from './common';

export const localCommand = async (port: number, out: Output): Promise<number> => {
  if (!Number.isInteger(port) || port < 1 || port > 65_534)
    throw new UsageError(`--port must be a port number, not ${port}`);
  // The report function runs too, as on AWS: its "bucket" is a folder.
  const reports = resolve('reports', 'local');
  const backend = await localBackend({ port, runtime: { reports: new FolderReportSink(reports) } });
  const local = backend.local!;
  out.progress(
    [
      'faultline local: the embedded runtime is serving',
      `  EventBridge PutEvents   ${local.endpoint!.url}   (bus faultline-local, or the default bus)`,
      `  DynamoDB (dynalite)     ${local.runtime.dynamo.endpoint}   (table ${local.runtime.tableName})`,
      `  demo fleet              ${local.fleet.loadBalancerUrl}   (${local.fleet.replicas().length} replicas and a dependency: ${local.fleet
        .spawnedPids()
        .map((p) => `pid ${p}`)
        .join(', ')})`,
      `  alarms                  ${local.monitor
        .alarmDefinitions()
        .map((a) => a.name)
        .join(', ')}`,
      `  reports                 ${reports}   (the report function's bucket: reports/, gamedays/)`,
      '',
      'try:',
      `  AWS_ENDPOINT_URL_EVENTBRIDGE=${local.endpoint!.url} AWS_ENDPOINT_URL_DYNAMODB=${local.runtime.dynamo.endpoint} \\`,
      '    npx faultline run experiments/instance-termination.yaml --stage local',
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  local.runtime.bus.subscribe((event) => {
    const executionId = (event.detail as { executionId?: string })?.executionId;
    out.progress(
      `${new Date().toISOString()}  ${event.source.padEnd(14)} ${event['detail-type']}${executionId ? `  ${executionId}` : ''}`,
    );
  });
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.progress('stopping...');
  await backend.close();
  return EXIT.ok;
};
