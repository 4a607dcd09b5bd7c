import type { EC2Client } from '@aws-sdk/client-ec2';
import type { FisClient } from '@aws-sdk/client-fis';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { FaultType } from '../../domain/faults';
import { UnknownFaultTypeError } from '../../errors';
import type { Clock, FaultProvider, FaultProviders } from '../../ports';
import type { PollOptions } from '../../poll';
import { DatabaseFailureProvider } from './database-failure';
import { FisExperimentProvider } from './fis-experiment';
import { HostFaultProvider } from './host-faults';
import { InstanceTerminationProvider } from './instance-termination';

export { HOST_FAULT_TYPES } from './host-fault-documents';

interface AwsFaultProvidersOptions {
  ec2: EC2Client;
  ssm: SSMClient;
  rds: RDSClient;
  fis: FisClient;
  /** SSM documents of host faults are `<ssmDocumentPrefix><fault type>` (AwsConfig.ssmDocumentPrefix). */
  ssmDocumentPrefix: string;
  /** The opt-in tag (AwsConfig.targetTag); FIS experiments faultline starts carry it too. */
  targetTag?: { key: string; value: string };
  clock?: Clock;
  /** Polling of every provider (tests hand in a sleep that does not wait). */
  poll?: PollOptions;
}

/** The fault providers of the aws provider, one per fault type. */
export class AwsFaultProviders implements FaultProviders {
  readonly providers: readonly FaultProvider[];

  constructor(options: AwsFaultProvidersOptions) {
    const poll = options.poll ? { poll: options.poll } : {};
    this.providers = [
      new InstanceTerminationProvider({ ec2: options.ec2, ...poll }),
      new HostFaultProvider({
        ssm: options.ssm,
        ec2: options.ec2,
        documentPrefix: options.ssmDocumentPrefix,
        ...(options.clock ? { clock: options.clock } : {}),
        ...poll,
      }),
      new DatabaseFailureProvider({ rds: options.rds, ...poll }),
      new FisExperimentProvider({
        fis: options.fis,
        ...(options.targetTag ? { targetTag: options.targetTag } : {}),
        ...poll,
      }),
    ];
  }

  forFault(provider: 'aws' | 'local', faultType: FaultType): FaultProvider {
    const found =
      provider === 'aws'
        ? this.providers.find((p) => (p.faultTypes as readonly string[]).includes(faultType))
        : undefined;
    if (!found) throw new UnknownFaultTypeError(faultType, provider);
    return found;
  }
}
