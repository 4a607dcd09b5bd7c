import type { ResolvedTarget } from '../domain/execution';
import { SELECTION_MODE, type Template, type TargetSpec } from '../domain/template';

type Selection = { ok: true; targets: ResolvedTarget[] } | { ok: false; reason: string };

/**
 * How many of `total` candidates the caps still allow to hit when `hit` of them are hit already
 * (by other experiments): the share and the minimum that must stay healthy count every fault on
 * the fleet, not only this experiment's.
 */
const capacity = (total: number, hit: number, safety: Template['safety']): number =>
  Math.min(
    safety.maxTargets,
    Math.floor((total * safety.maxTargetsPercent) / 100) - hit,
    total - safety.minHealthyTargets - hit,
  );

/** Why `hit` of `total` candidates under a fault at once (ours and others') breaks the caps, or undefined. */
export const capsProblem = (
  name: string,
  total: number,
  hit: number,
  safety: Template['safety'],
): string | undefined =>
  hit > Math.min(Math.floor((total * safety.maxTargetsPercent) / 100), total - safety.minHealthyTargets)
    ? `target ${name}: ${hit} of ${total} resources would be under a fault at once, over the blast-radius caps (maxTargetsPercent ${safety.maxTargetsPercent}, minHealthyTargets ${safety.minHealthyTargets})`
    : undefined;

/**
 * Applies a target's selection mode, then the template's blast-radius caps (a hard maximum and a
 * share of the candidates), then the minimum that must stay healthy. The caps win over the mode.
 * `busy` candidates are held by other experiments: never selected, and counted as hit.
 */
export const selectTargets = (
  name: string,
  spec: TargetSpec,
  candidates: readonly ResolvedTarget[],
  safety: Template['safety'],
  random: () => number = Math.random,
  busy: readonly ResolvedTarget[] = [],
): Selection => {
  if (candidates.length === 0) return { ok: false, reason: `target ${name}: no resource matches` };
  const match = SELECTION_MODE.exec(spec.selectionMode);
  if (!match) return { ok: false, reason: `target ${name}: unknown selection mode ${spec.selectionMode}` };
  let wanted: number;
  if (match[1] === 'ALL') wanted = candidates.length;
  else if (match[2] !== undefined) wanted = Number(match[2]);
  else wanted = Math.max(1, Math.floor((candidates.length * Number(match[3])) / 100));
  const busyKeys = new Set(busy.map((b) => b.key));
  const free = candidates.filter((c) => !busyKeys.has(c.key));
  const cap = Math.min(capacity(candidates.length, busyKeys.size, safety), free.length);
  if (cap < 1 && busyKeys.size > 0) {
    return {
      ok: false,
      reason: `target ${name}: ${busyKeys.size} of ${candidates.length} resources are in other running experiments; the blast-radius caps allow no more (maxTargetsPercent ${safety.maxTargetsPercent}, maxTargets ${safety.maxTargets}, minHealthyTargets ${safety.minHealthyTargets})`,
    };
  }
  if (cap < 1) {
    return {
      ok: false,
      reason: `target ${name}: the blast-radius caps allow no target out of ${candidates.length} (maxTargetsPercent ${safety.maxTargetsPercent}, maxTargets ${safety.maxTargets}, minHealthyTargets ${safety.minHealthyTargets})`,
    };
  }
  if (wanted > candidates.length) {
    return {
      ok: false,
      reason: `target ${name}: ${spec.selectionMode} asks for ${wanted}, only ${candidates.length} found`,
    };
  }
  const count = Math.min(wanted, cap);
  const shuffled = [...free];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return { ok: true, targets: shuffled.slice(0, count) };
};
