import { FisClient } from '@aws-sdk/client-fis';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * @aws-sdk/client-fis 3.523.0 (the newest this registry has) is typed on older @smithy types than
 * aws-sdk-client-mock 4: the stub works at run time, but its generics reject the FIS classes. The
 * FIS stub is therefore seen through this narrow interface.
 */
export interface FisStub {
  on(command: unknown, input?: object): FisBehaviour;
  reset(): void;
  commandCalls(command: unknown, input?: object): { args: [{ input: Record<string, unknown> }] }[];
}
export interface FisBehaviour {
  resolves(output: object): FisBehaviour;
  resolvesOnce(output: object): FisBehaviour;
  rejects(error: unknown): FisBehaviour;
  on(command: unknown, input?: object): FisBehaviour;
}

export const mockFis = (): FisStub => mockClient(FisClient as never) as unknown as FisStub;
