import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../shared/aws/event-publisher';
import { LocalEnvironment, LOCAL_TABLE_NAME, type LocalEnvironmentOptions } from '../local/environment';
import type { EventPublisher } from '../shared/ports';
import { ExecutionStore } from '../shared/store/execution-store';

/** Where the CLI's commands act: a deployed stack (AWS SDK standard configuration) or the embedded runtime. */
export interface Backend {
  kind: 'aws' | 'local';
  environment: string;
  store: ExecutionStore;
  publisher: EventPublisher;
  local?: LocalEnvironment;
  close(): Promise<void>;
}

export interface StackNames {
  stage: string;
  /** The environment experiments run in (the stack's FAULTLINE_ENVIRONMENT); the stage by default. */
  environment: string;
  bus: string;
  table: string;
}

/**
 * Names of a deployed stack: `--stage` (or FAULTLINE_STAGE, default `dev`) gives
 * `faultline-<stage>` for the bus and the table, as serverless.yml names them.
 */
export const stackNames = (options: {
  stage?: string;
  environment?: string;
  bus?: string;
  table?: string;
}): StackNames => {
  const stage = options.stage ?? process.env.FAULTLINE_STAGE ?? 'dev';
  return {
    stage,
    environment: options.environment ?? process.env.FAULTLINE_ENVIRONMENT ?? stage,
    bus: options.bus ?? process.env.FAULTLINE_EVENT_BUS ?? `faultline-${stage}`,
    table: options.table ?? process.env.FAULTLINE_TABLE ?? `faultline-${stage}`,
  };
};

/**
 * A deployed stack, reached through the SDK's standard configuration: credentials, region and
 * `AWS_ENDPOINT_URL_EVENTBRIDGE` / `AWS_ENDPOINT_URL_DYNAMODB` (which may point at `faultline local`).
 */
export const awsBackend = (names: StackNames): Backend => {
  const dynamo = new DynamoDBClient({});
  const events = new EventBridgeClient({});
  return {
    kind: 'aws',
    environment: names.environment,
    store: new ExecutionStore(dynamo, names.table),
    publisher: new EventBridgePublisher(events, { eventBusName: names.bus }),
    close: async () => {
      dynamo.destroy();
      events.destroy();
    },
  };
};

export const localBackend = async (options: LocalEnvironmentOptions = {}): Promise<Backend> => {
  const local = await LocalEnvironment.start(options);
  return {
    kind: 'local',
    environment: local.runtime.deps.settings.environment,
    store: local.runtime.store,
    publisher: local.runtime.bus,
    local,
    close: () => local.stop(),
  };
};

export { LOCAL_TABLE_NAME };
