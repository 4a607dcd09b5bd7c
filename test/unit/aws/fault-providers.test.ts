import { EC2Client } from '@aws-sdk/client-ec2';
import { FisClient } from '@aws-sdk/client-fis';
import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AwsFaultProviders } from '../../../shared/aws/faults';
import { DatabaseFailureProvider } from '../../../shared/aws/faults/database-failure';
import { FisExperimentProvider } from '../../../shared/aws/faults/fis-experiment';
import { HostFaultProvider } from '../../../shared/aws/faults/host-faults';
import { InstanceTerminationProvider } from '../../../shared/aws/faults/instance-termination';
import { ALL_FAULT_TYPES, type FaultType } from '../../../shared/domain/faults';
import { UnknownFaultTypeError } from '../../../shared/errors';

const providers = () =>
  new AwsFaultProviders({
    ec2: new EC2Client({}),
    ssm: new SSMClient({}),
    rds: new RDSClient({}),
    fis: new FisClient({}),
    ssmDocumentPrefix: 'faultline-dev-',
  });

describe('AwsFaultProviders', () => {
  it.each([
    ['instance-termination', InstanceTerminationProvider],
    ['cpu-stress', HostFaultProvider],
    ['memory-stress', HostFaultProvider],
    ['disk-stress', HostFaultProvider],
    ['network-latency', HostFaultProvider],
    ['network-partition', HostFaultProvider],
    ['service-unavailable', HostFaultProvider],
    ['dependency-timeout', HostFaultProvider],
    ['database-failure', DatabaseFailureProvider],
    ['fis-experiment', FisExperimentProvider],
  ] as const)('serves %s', (faultType, kind) => {
    const provider = providers().forFault('aws', faultType);
    expect(provider).toBeInstanceOf(kind);
    expect(provider.provider).toBe('aws');
    expect(provider.faultTypes).toContain(faultType);
  });

  it('serves every fault type the domain knows', () => {
    for (const faultType of ALL_FAULT_TYPES) expect(() => providers().forFault('aws', faultType)).not.toThrow();
  });

  it('refuses the local provider and an unknown fault type', () => {
    expect(() => providers().forFault('local', 'cpu-stress')).toThrow(UnknownFaultTypeError);
    expect(() => providers().forFault('aws', 'gremlins' as FaultType)).toThrow(
      'no aws fault provider for fault type "gremlins"',
    );
  });
});
