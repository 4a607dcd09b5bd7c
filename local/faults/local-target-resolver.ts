import { ConfigurationError } from '../../shared/errors';
import type { ResolvedTarget } from '../../shared/domain/execution';
import type { TargetSpec } from '../../shared/domain/template';
import type { TargetResolver } from '../../shared/ports';
import { DEPENDENCY_NAME, type DemoFleet } from '../fleet';

type ResolvableFleet = Pick<DemoFleet, 'replicas' | 'dependency'>;

/** Tags every local resource carries, for `resourceTags` in templates. */
const LOCAL_TAGS = {
  replica: { app: 'faultline-demo', role: 'replica' },
  dependency: { app: 'faultline-demo', role: 'dependency' },
} as const;

/**
 * Lists the demo fleet's resources for a local target: every replica (`local:replica`, key
 * `local:replica:<name>`) or the dependency (`local:dependency`, key `local:dependency:db`),
 * narrowed by `resourceIds`, `resourceTags` and `filters`. Filters read the resource's attributes
 * (`name`, `state`, `healthy`, `pid`, `port`, and the tags); a path that is no attribute matches
 * nothing. Selection and caps are the domain's; a replica being restarted is still a candidate,
 * since it keeps its name.
 */
export class LocalTargetResolver implements TargetResolver {
  constructor(private readonly options: { fleet: ResolvableFleet }) {}

  async candidates(targetName: string, spec: TargetSpec): Promise<ResolvedTarget[]> {
    if (spec.provider !== 'local')
      throw new ConfigurationError(`target ${targetName}: the local resolver cannot resolve ${spec.provider} targets`);
    let resources: { id: string; tags: Record<string, string>; attributes: Record<string, string> }[];
    if (spec.resourceType === 'local:replica') {
      resources = this.options.fleet.replicas().map((r) => ({
        id: r.name,
        tags: { ...LOCAL_TAGS.replica },
        attributes: {
          name: r.name,
          state: r.state,
          healthy: String(r.healthy),
          ...(r.pid === undefined ? {} : { pid: String(r.pid) }),
          ...(r.port === undefined ? {} : { port: String(r.port) }),
        },
      }));
    } else if (spec.resourceType === 'local:dependency') {
      const d = this.options.fleet.dependency();
      resources = [
        {
          id: DEPENDENCY_NAME,
          tags: { ...LOCAL_TAGS.dependency },
          attributes: {
            name: d.name,
            state: d.state,
            healthy: String(d.healthy),
            ...(d.pid === undefined ? {} : { pid: String(d.pid) }),
            ...(d.port === undefined ? {} : { port: String(d.port) }),
          },
        },
      ];
    } else {
      throw new ConfigurationError(`target ${targetName}: unknown local resource type ${spec.resourceType}`);
    }
    return resources
      .filter((r) => !spec.resourceIds || spec.resourceIds.includes(r.id))
      .filter((r) => Object.entries(spec.resourceTags ?? {}).every(([k, v]) => r.tags[k] === v))
      .filter((r) =>
        (spec.filters ?? []).every((f) => {
          const value = r.attributes[f.path] ?? r.tags[f.path];
          return value !== undefined && f.values.includes(value);
        }),
      )
      .map((r) => ({
        name: targetName,
        provider: 'local' as const,
        resourceType: spec.resourceType,
        id: r.id,
        key: `${spec.resourceType}:${r.id}`,
        attributes: { ...r.tags, ...r.attributes },
      }));
  }
}
