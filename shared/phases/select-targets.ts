import type { ResolvedTarget } from '../domain/execution';
import { SELECTION_MODE, type Template, type TargetSpec } from '../domain/template';

export type Selection = { ok: true; targets: ResolvedTarget[] } | { ok: false; reason: string };

/**
 * Applies a target's selection mode, then the template's blast-radius caps (a hard maximum and a
 * share of the candidates), then the minimum that must stay healthy. The caps win over the mode.
 */
export const selectTargets = (
  name: string,
  spec: TargetSpec,
  candidates: readonly ResolvedTarget[],
  safety: Template['safety'],
  random: () => number = Math.random,
): Selection => {
  if (candidates.length === 0) return { ok: false, reason: `target ${name}: no resource matches` };
  const match = SELECTION_MODE.exec(spec.selectionMode);
  if (!match) return { ok: false, reason: `target ${name}: unknown selection mode ${spec.selectionMode}` };
  let wanted: number;
  if (match[1] === 'ALL') wanted = candidates.length;
  else if (match[2] !== undefined) wanted = Number(match[2]);
  else wanted = Math.max(1, Math.floor((candidates.length * Number(match[3])) / 100));
  const capByPercent = Math.floor((candidates.length * safety.maxTargetsPercent) / 100);
  const cap = Math.min(safety.maxTargets, capByPercent, candidates.length - safety.minHealthyTargets);
  if (cap < 1) {
    return {
      ok: false,
      reason: `target ${name}: the blast-radius caps allow no target out of ${candidates.length} (maxTargetsPercent ${safety.maxTargetsPercent}, maxTargets ${safety.maxTargets}, minHealthyTargets ${safety.minHealthyTargets})`,
    };
  }
  if (wanted > candidates.length) {
    return { ok: false, reason: `target ${name}: ${spec.selectionMode} asks for ${wanted}, only ${candidates.length} found` };
  }
  const count = Math.min(wanted, cap);
  const shuffled = [...candidates];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return { ok: true, targets: shuffled.slice(0, count) };
};
