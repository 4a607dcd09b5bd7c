export { DemoFleet, DEPENDENCY_NAME } from './demo-fleet';
export type { DemoFleetOptions, DependencyStatus, MemberRole, ReplicaStatus } from './demo-fleet';
export { FleetError } from './errors';
export { fleetScriptsDir, FLEET_DIR_ENV } from './scripts-dir';
