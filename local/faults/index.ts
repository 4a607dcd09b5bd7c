export {
  LocalFaultProvider,
  LocalFaultProviders,
  localFaultId,
  type FaultableFleet,
  type LocalFaultLimits,
  type LocalFaultMode,
  type LocalFaultProviderOptions,
} from './local-fault-provider';
export { LocalTargetResolver, LOCAL_TAGS, type ResolvableFleet } from './local-target-resolver';
