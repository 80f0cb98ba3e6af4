// Can state move from one version to the next? Used by `kitsune build --from`
// at build time and by the driver again when a version is loaded.
import { KitsuneError } from './errors.js';
import type { KitsuneMeta, KitsuneVariable } from './metadata.js';

export interface VariablePlan {
  key: string;
  action: 'copy' | 'new' | 'dropped' | 'changed';
  old?: KitsuneVariable;
  new?: KitsuneVariable;
}

export function planVariables(oldMeta: KitsuneMeta, newMeta: KitsuneMeta): VariablePlan[] {
  const olds = new Map(oldMeta.variables.map((v) => [v.key, v]));
  const plans: VariablePlan[] = [];
  for (const v of newMeta.variables) {
    const o = olds.get(v.key);
    olds.delete(v.key);
    if (!o) plans.push({ key: v.key, action: 'new', new: v });
    else plans.push({ key: v.key, action: o.signature === v.signature ? 'copy' : 'changed', old: o, new: v });
  }
  for (const o of olds.values()) plans.push({ key: o.key, action: 'dropped', old: o });
  return plans;
}

export function describeChange(p: VariablePlan): string {
  const where = `${p.new!.file}:${p.new!.line}`;
  return `variable \`${p.key}\` (${where}): type changed from \`${p.old!.typeName}\` to \`${p.new!.typeName}\`; nothing migrates it: build the new version --from the old one (with a .xf spec where the change needs a rule), or give the variable a hand-written transformer (GLOBAL_XFORM, STATIC_XFORM...), or keep its type`;
}

/** Refuses an update whose state cannot move; lists every reason. */
export function checkCompatible(oldMeta: KitsuneMeta, newMeta: KitsuneMeta, where: string): VariablePlan[] {
  if (newMeta.fromBuildId && newMeta.fromBuildId !== oldMeta.buildId) {
    throw new KitsuneError('E_OTHER_PROGRAM', `${where}: built with --from a version whose build id is ${newMeta.fromBuildId}, but the running version's build id is ${oldMeta.buildId} (program "${oldMeta.program}"); rebuild it --from the running version`);
  }
  if (!newMeta.fromBuildId && newMeta.program !== oldMeta.program) {
    throw new KitsuneError('E_OTHER_PROGRAM', `${where}: expected a version of program "${oldMeta.program}", found one of program "${newMeta.program}"; build it with --from the running version or --name ${oldMeta.program}`);
  }
  const plans = planVariables(oldMeta, newMeta);
  // A manual variable with a new type is fine unless the program migrates it
  // itself, which the driver refuses when it happens. A variable that the
  // version's generated migration code moves, or a transformer of its own, is fine too.
  const generated = new Set((newMeta.xf?.entries ?? []).map((e) => e.key));
  const changed = plans.filter((p) => p.action === 'changed' && !p.new!.manual && !p.new!.transformer && !generated.has(p.key));
  if (changed.length) {
    throw new KitsuneError('E_TYPE_CHANGED', `${where}: ${changed.length} variable(s) changed type and cannot be migrated:`, changed.map(describeChange));
  }
  return plans;
}
