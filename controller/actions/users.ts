// The workloads an action works on: those of the Image's namespace that use its repository in a container
// spec.targets names (all of them without targets). Read once per evaluation (apply and restart in one
// run share the answer) from the workloads' index by repository (kube/workloads.ts listUsing). Workloads
// held after a hand rollback (status.holds) are left out.
import { isTransientKubeError, kubeMessage } from '../kube/errors.js';
import type { ActionDeps, ActionResult, Change, RunState } from './types.js';
import type { Workload } from '../kube/workloads.js';
import { describeWorkload, usesRepository } from './workloads.js';
import { compileTargets } from '../../domain/targets/targets.js';

/** The users of `change.repository`, or the failed result `action` reports when they cannot be listed. */
export async function repositoryUsers(
  action: string,
  change: Change,
  deps: ActionDeps,
  state: RunState,
): Promise<Workload[] | ActionResult> {
  const namespace = change.image.metadata.namespace ?? 'default';
  try {
    // Fresh: a workload created a moment before the decision must be patched too.
    state.users ??= await deps.workloads.listUsing(namespace, change.repository, { fresh: true });
  } catch (err) {
    return {
      ok: false,
      retriable: isTransientKubeError(err),
      summary: `${action}: could not list the workloads of namespace ${namespace}: ${kubeMessage(err)}`,
    };
  }
  const targets = compileTargets(change.image.spec.targets);
  const users = state.users.filter((w) => usesRepository(w, change.repository, targets));
  if (!change.held?.size && !change.only) return users;
  return users.filter((w) => {
    const id = describeWorkload(w);
    if (change.only && !change.only.has(id)) return false;
    if (!change.held?.has(id)) return true;
    (state.held ??= new Set()).add(id);
    return false;
  });
}

/** The summary part naming the workloads an action left alone because they are held. */
export function heldText(state: RunState): string[] {
  if (!state.held?.size) return [];
  return [`${[...state.held].join(', ')} held after a hand rollback (status.holds), left alone`];
}
