export { LocalFaultProvider, LocalFaultProviders } from './local-fault-provider';
export { LocalTargetResolver } from './local-target-resolver';
