import { parseArgs } from 'node:util';
import { InvalidTemplateError } from '../shared/errors';
import { abortCommand } from './commands/abort';
import { EXIT, UsageError } from './commands/common';
import { gameDayCommand } from './commands/gameday';
import { haltCommand } from './commands/halt';
import { historyCommand } from './commands/history';
import { localCommand } from './commands/local';
import { pipelineCommand } from './commands/pipeline';
import { releaseCommand } from './commands/release';
import { reportCommand } from './commands/report';
import { resumeCommand } from './commands/resume';
import { runCommand } from './commands/run';
import { statusCommand } from './commands/status';
import { validateCommand } from './commands/validate';
import { verifyCommand } from './commands/verify';
import { consoleOutput, type Output } from './display';

export { readTemplate } from './commands/common';
export { runOne } from './commands/run';

/** The command line: parses the arguments and dispatches to one file per command in commands/. */
const USAGE = `faultline: resiliency experiments as data

usage:
  faultline validate <template>
  faultline run <template> [--local] [--dry-run] [--json] [--junit F] [--stage S] [--environment E]
  faultline gameday <suite> [--local] [--json] [--junit F]
  faultline pipeline <event-or-job.json> --template <file> [--template <file> ...] --local [--junit F]
  faultline local [--port 4010]
  faultline status <executionId> [--json] [--stage S]
  faultline history <experimentId> [--last N] [--json] [--stage S]
  faultline verify <result.json> [--table] [--json] [--stage S]
  faultline report <result.json | executionId> [--out F] [--stage S]
  faultline abort <executionId> [--stage S]
  faultline halt [--reason R] [--stage S]
  faultline resume [--stage S]
  faultline release <targetKey> [--reason R] [--stage S]

Without --local, commands act on a deployed stack through the AWS SDK's standard configuration
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_EVENTBRIDGE, AWS_ENDPOINT_URL_DYNAMODB, ...); the stack's
bus and table are faultline-<stage> (--stage, or FAULTLINE_STAGE, default dev); the environment
experiments run in is the stage unless --environment (or FAULTLINE_ENVIRONMENT) says otherwise.
--junit F writes a JUnit XML report to F: one test case per experiment (PASSED passes, a dry run
is skipped, anything else fails with its reasons).

exit codes: 0 done (run: verdict PASSED, or a dry run), 1 bad input, refused to start or REJECTED,
2 internal error, 3 verdict FAILED, 4 verdict INCONCLUSIVE, 5 ROLLBACK_FAILED (a fault may still
be active: see the journal); verify: 0 intact, 3 altered`;

/** Bad input or a refusal to start: exit code 1, nothing started. */
export const main = async (argv: string[], out: Output = consoleOutput(argv.includes('--json'))): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      local: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      junit: { type: 'string' },
      port: { type: 'string', default: '4010' },
      stage: { type: 'string' },
      environment: { type: 'string' },
      reason: { type: 'string' },
      last: { type: 'string' },
      template: { type: 'string', multiple: true },
      out: { type: 'string' },
      table: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    out.result(USAGE);
    return command || values.help ? EXIT.ok : EXIT.refused;
  }
  try {
    switch (command) {
      case 'validate':
        return validateCommand(required(arg, 'template'), out);
      case 'run':
        return await runCommand(
          required(arg, 'template'),
          {
            local: values.local,
            dryRun: values['dry-run'],
            json: values.json,
            junit: values.junit,
            stage: values.stage,
            environment: values.environment,
          },
          out,
        );
      case 'gameday':
        return await gameDayCommand(
          required(arg, 'suite'),
          { json: values.json, local: values.local, junit: values.junit },
          out,
        );
      case 'local':
        return await localCommand(Number(values.port), out);
      case 'pipeline':
        return await pipelineCommand(
          required(arg, 'event-or-job.json'),
          { templates: values.template ?? [], local: values.local, junit: values.junit },
          out,
        );
      case 'status':
        return await statusCommand(required(arg, 'executionId'), { json: values.json, stage: values.stage }, out);
      case 'history':
        return await historyCommand(
          required(arg, 'experimentId'),
          { last: values.last, json: values.json, stage: values.stage },
          out,
        );
      case 'report':
        return await reportCommand(
          required(arg, 'result.json | executionId'),
          { out: values.out, stage: values.stage },
          out,
        );
      case 'verify':
        return await verifyCommand(
          required(arg, 'result.json'),
          { json: values.json, table: values.table, stage: values.stage },
          out,
        );
      case 'abort':
        return await abortCommand(required(arg, 'executionId'), values.stage, out);
      case 'halt':
        return await haltCommand(values.reason ?? 'halted by an operator', values.stage, out);
      case 'resume':
        return await resumeCommand(values.stage, out);
      case 'release':
        return await releaseCommand(
          required(arg, 'targetKey'),
          values.reason ?? 'released by an operator',
          values.stage,
          out,
        );
      default:
        throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof InvalidTemplateError) {
      out.error(
        `invalid template:\n${error.problems.map((p) => `  ${p.path || '(template)'}: ${p.message}`).join('\n')}`,
      );
      return EXIT.refused;
    }
    if (error instanceof UsageError) {
      out.error(`faultline: ${error.message}`);
      return EXIT.refused;
    }
    out.error(`faultline: ${(error as Error).message}`);
    return EXIT.internal;
  }
};

const required = (value: string | undefined, name: string): string => {
  if (!value) throw new UsageError(`missing <${name}>\n\n${USAGE}`);
  return value;
};

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`faultline: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(EXIT.internal);
    },
  );
}
