// Which workloads and containers an Image's apply and restart touch when spec.targets is set. Pure, so
// the controller's actions, the operator's managed Images and the tests share one answer.
import type { ImageTarget } from '../../crds/index.js';
import { parseLabelSelector, type LabelMatcher, type Labels } from './selector.js';

/** What matching needs of a workload. */
export interface TargetedWorkload {
  kind: string;
  name: string;
  labels?: Labels;
}

export interface Targets {
  /** Whether any container of the workload may be touched (restart works per workload). */
  workload(w: TargetedWorkload): boolean;
  /** Whether this container of the workload may be touched. */
  container(w: TargetedWorkload, container: string): boolean;
}

/** Everything matches: an Image without targets keeps the namespace-wide behaviour. */
const ALL: Targets = { workload: () => true, container: () => true };

function matcherOf(t: ImageTarget): (w: TargetedWorkload) => boolean {
  const kindOk = (w: TargetedWorkload) => t.kind === undefined || t.kind === w.kind;
  if (t.name !== undefined) return (w) => kindOk(w) && w.name === t.name;
  // The validator rejects a bad selector before an Image reaches here; a selector that still fails to
  // parse matches nothing rather than everything.
  let selects: LabelMatcher;
  try {
    selects = parseLabelSelector(t.selector ?? '');
  } catch {
    return () => false;
  }
  return (w) => kindOk(w) && selects(w.labels ?? {});
}

/** Compiles spec.targets once per evaluation. */
export function compileTargets(targets: readonly ImageTarget[] | undefined): Targets {
  if (!targets || targets.length === 0) return ALL;
  const compiled = targets.map((t) => ({ matches: matcherOf(t), containers: t.containers ?? [] }));
  return {
    workload: (w) => compiled.some((c) => c.matches(w)),
    container: (w, container) =>
      compiled.some((c) => c.matches(w) && (c.containers.length === 0 || c.containers.includes(container))),
  };
}
