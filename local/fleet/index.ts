export { DemoFleet, DEPENDENCY_NAME } from './demo-fleet';
export { isAlive } from './child-process';
export type {
  ActiveFault,
  DemoFleetOptions,
  DependencyStatus,
  HostFigures,
  MemberRole,
  MemberState,
  MemberStatus,
  ReplicaStatus,
} from './demo-fleet';
export { FleetError, ControlRequestError } from './errors';
export { fleetScriptsDir, FLEET_DIR_ENV } from './scripts-dir';
export { HealthChecker, type HealthCheckSettings, type TargetHealth } from './health-checker';
export { LoadBalancer, type LoadBalancerSettings } from './load-balancer';
