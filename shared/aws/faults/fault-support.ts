import { faultParameterSchemas, type FaultParameters, type FaultType } from '../../domain/faults';
import type { ResolvedTarget } from '../../domain/execution';
import { InjectionError } from '../../errors';
import { describeProblems } from '../../problems';

/**
 * Parameters arrive parsed with their defaults; they are parsed again here to get their types
 * back, and because a fault record read from the table is data, not a promise.
 */
export const parseParameters = <T extends FaultType>(
  faultType: T,
  parameters: Record<string, unknown>,
): FaultParameters<T> => {
  const result = faultParameterSchemas[faultType].safeParse(parameters);
  if (!result.success) {
    throw new InjectionError(`${faultType} parameters: ${describeProblems(result.error)}`, { cause: result.error });
  }
  return result.data as FaultParameters<T>;
};

/** A fault acts on one kind of resource; any other target is refused before any call. */
export const requireResourceType = (faultType: FaultType, target: ResolvedTarget, allowed: readonly string[]): void => {
  if (target.provider !== 'aws' || !allowed.includes(target.resourceType)) {
    throw new InjectionError(
      `${faultType} cannot act on ${target.key} (${target.resourceType}); it needs ${allowed.join(' or ')}`,
    );
  }
};
