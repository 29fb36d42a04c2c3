// Puts back the previous references on exactly what apply changed, one JSON patch per workload with a
// `test` of the reference apply wrote: a container someone changed since is left as they set it, and
// running the rollback again (a controller restarted half-way) changes nothing.
import type { ImageRollout } from '../../crds/index.js';
import { describeWorkload, planRollback } from '../actions/workloads.js';
import { isNotFound, isStaleWrite, kubeMessage } from '../kube/errors.js';
import type { EventRecorder } from '../kube/events.js';
import { WORKLOAD_API_VERSION, type WorkloadClient } from '../kube/workloads.js';

const MAX_ATTEMPTS = 4;

export interface RollbackDeps {
  workloads: Pick<WorkloadClient, 'get' | 'jsonPatch'>;
  events: EventRecorder;
}

export interface RollbackOutcome {
  /** One line per workload, e.g. `Deployment/web (container web)`. */
  reverted: string[];
  /** Workloads or containers left alone because someone changed them since apply. */
  leftAlone: string[];
}

/** Reverts every workload of `rollout`; throws an API error that a retry may fix (the queue retries). */
export async function rollBack(
  deps: RollbackDeps,
  namespace: string,
  rollout: ImageRollout,
  because: string,
  imageName: string,
): Promise<RollbackOutcome> {
  const out: RollbackOutcome = { reverted: [], leftAlone: [] };
  for (const followed of rollout.workloads) {
    for (let attempt = 1; ; attempt++) {
      let w;
      try {
        w = await deps.workloads.get(followed.kind, namespace, followed.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        out.leftAlone.push(`${followed.kind}/${followed.name} (deleted)`);
        break;
      }
      const id = describeWorkload(w);
      const plan = planRollback(w, followed.containers);
      if (plan.changed.length) out.leftAlone.push(`${id} (${plan.changed.join(', ')} changed since apply)`);
      if (plan.patch.length === 0) break;
      try {
        const stored = await deps.workloads.jsonPatch(w.kind, namespace, followed.name, plan.patch);
        const lines = followed.containers
          .filter((c) => plan.reverted.includes(c.name))
          .map((c) => `${c.init ? 'init container' : 'container'} ${c.name}: ${c.to} → ${c.from}`);
        await deps.events.record(
          { apiVersion: WORKLOAD_API_VERSION[w.kind], kind: w.kind, metadata: stored.metadata },
          'Warning',
          'ImageRolledBack',
          `Tagpilot Image ${namespace}/${imageName} rolled back ${rollout.tag} (${because}): ${lines.join('; ')}`,
        );
        out.reverted.push(`${id} (${plan.reverted.join(', ')})`);
        break;
      } catch (err) {
        // Someone edited the workload between our read and our patch: read again and re-plan.
        if (!isStaleWrite(err) || attempt >= MAX_ATTEMPTS) {
          throw new Error(`rolling back ${id}: ${kubeMessage(err)}`, { cause: err });
        }
      }
    }
  }
  return out;
}
