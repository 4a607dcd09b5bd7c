import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import { tableDefinition } from '../shared/store/table';
import { pollUntil, realSleep } from '../shared/poll';

export interface EmbeddedDynamo {
  endpoint: string;
  port: number;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/**
 * Starts dynalite (a DynamoDB-compatible server, in memory) on a loopback port and creates the
 * table. Port 0 takes a free port.
 */
export const startEmbeddedDynamo = async (tableName: string, port = 0, host = '127.0.0.1'): Promise<EmbeddedDynamo> => {
  // dynalite has no type declarations; its factory returns an http.Server.
  const dynalite = require('dynalite') as (options: Record<string, number>) => import('node:http').Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const endpoint = `http://${host}:${actualPort}`;
  const client = localDynamoClient(endpoint);
  await ensureTable(client, tableName);
  return {
    endpoint,
    port: actualPort,
    client,
    close: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export const localDynamoClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });

const ensureTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException) && (error as { name?: string }).name !== 'ResourceInUseException')
      throw error;
  }
  await pollUntil(
    { attempts: 50, intervalMs: 20, sleep: realSleep },
    async () => (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus,
    (status) => status === 'ACTIVE',
  );
};
