import type { AwsClients } from '../shared/aws/clients';

/** One AWS SDK call as the code issued it: the IAM service prefix, the command and its input. */
export interface RecordedCall {
  /** The function (serverless.yml name) whose code made the call. */
  fn: string;
  /** IAM service prefix: ec2, ssm, dynamodb, events... */
  service: string;
  /** SDK command class name without "Command": TerminateInstances, PutItem... */
  command: string;
  input: Record<string, unknown>;
}

/** IAM service prefix of each of the process's clients (shared/aws/clients.ts). */
export const CLIENT_SERVICES: Record<keyof AwsClients, string> = {
  autoScaling: 'autoscaling',
  cloudWatch: 'cloudwatch',
  codePipeline: 'codepipeline',
  dynamoDb: 'dynamodb',
  ec2: 'ec2',
  elbv2: 'elasticloadbalancing',
  eventBridge: 'events',
  fis: 'fis',
  rds: 'rds',
  s3: 's3',
  scheduler: 'scheduler',
  ssm: 'ssm',
};

const commandName = (name: string): string => name.replace(/Command$/, '');

/**
 * Records every SDK call made on the process's clients, attributed to the function that is
 * running (`current`). Clients answered by aws-sdk-client-mock never reach their middleware, so
 * their `send` is wrapped; DynamoDB (a real dynalite behind the document client) is recorded by a
 * middleware, where the document client's commands arrive as the low-level ones (PutItem, Query).
 */
export class CallRecorder {
  readonly calls: RecordedCall[] = [];
  current: string | undefined;

  attach(clients: AwsClients): void {
    for (const key of Object.keys(CLIENT_SERVICES) as (keyof AwsClients)[]) {
      const service = CLIENT_SERVICES[key];
      const client = clients[key] as unknown as {
        send: (
          command: { constructor: { name: string }; input: Record<string, unknown> },
          ...rest: unknown[]
        ) => Promise<unknown>;
        middlewareStack: { add: (mw: unknown, options: Record<string, unknown>) => void };
      };
      if (key === 'dynamoDb') {
        client.middlewareStack.add(
          (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
            async (args: { input: Record<string, unknown> }) => {
              this.record(service, commandName(context.commandName ?? 'Unknown'), args.input);
              return next(args);
            },
          { step: 'initialize', priority: 'high', name: 'faultlineIamRecorder' },
        );
        continue;
      }
      const send = client.send;
      client.send = (command, ...rest) => {
        this.record(service, commandName(command.constructor.name), command.input);
        return send.call(client, command, ...rest);
      };
    }
  }

  /** Runs `work` with its calls attributed to `fn`. */
  async as<T>(fn: string, work: () => Promise<T>): Promise<T> {
    const before = this.current;
    this.current = fn;
    try {
      return await work();
    } finally {
      this.current = before;
    }
  }

  private record(service: string, command: string, input: Record<string, unknown>): void {
    if (!this.current) throw new Error(`an SDK call (${service} ${command}) outside any function`);
    this.calls.push({ fn: this.current, service, command, input: structuredClone(input) });
  }
}
