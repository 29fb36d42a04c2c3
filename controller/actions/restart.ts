// The `restart` action: a rollout restart (pod template annotation, as `kubectl rollout restart` does)
// of every workload that uses the repository (in a container spec.targets names, when it has targets).
// Workloads that apply changed in the same run are already rolling and are left alone, so [apply,
// restart] does not roll twice; so are workloads whose template carries this change's rollout mark,
// which an interrupted earlier run (a killed controller) left. When the running Pods were compared with
// the registry (change.pods), a workload whose Pods all run the current digest is not restarted, and one
// whose Pods still run a stale digest after the restart for this very digest is reported, never
// restarted again for it: that restart did not help (imagePullPolicy IfNotPresent, a node's mirror), and
// another would loop. A new registry digest is a new mark, so the next change restarts it again.
import { isTransientKubeError, kubeMessage } from '../kube/errors.js';
import { WORKLOAD_API_VERSION } from '../kube/workloads.js';
import { heldText, repositoryUsers } from './users.js';
import type { ActionDeps, ActionResult, Change, RunState } from './types.js';
import { carriesMark, describeWorkload, restartPatch, rolloutMark } from './workloads.js';

export async function restartAction(
  change: Change,
  deps: ActionDeps,
  state: RunState,
): Promise<ActionResult> {
  const namespace = change.image.metadata.namespace ?? 'default';
  const users = await repositoryUsers('restart', change, deps, state);
  if (!Array.isArray(users)) return users;
  const restarted: string[] = [];
  const rolling: string[] = [];
  const done: string[] = [];
  const mark = rolloutMark(change.image.metadata.name ?? '', change.tag, change.digest);
  const cronJobs: string[] = [];
  const current: string[] = [];
  const stuck: string[] = [];
  const failed: string[] = [];
  let retriable = true;
  for (const w of users) {
    const id = describeWorkload(w);
    if (state.patched.has(id)) {
      rolling.push(id);
      continue;
    }
    const patch = restartPatch(w.kind, change.time, mark);
    if (!patch) {
      cronJobs.push(id);
      continue;
    }
    const truth = change.pods?.workloads.get(id);
    if (carriesMark(w, mark)) {
      if (truth && truth.staleAfterRestart > 0) stuck.push(id);
      else done.push(id);
      continue;
    }
    // Only a workload whose Pods were all compared and all run the digest is left alone; without Pods
    // (scaled down, not created yet) or with Pods not started, restart as without the comparison.
    if (truth && truth.current > 0 && truth.stale === 0 && truth.unknown === 0) {
      current.push(id);
      continue;
    }
    if (deps.dryRun) {
      deps.log.info({ dryRun: true, workload: `${namespace}/${id}` }, 'would restart workload');
      restarted.push(id);
      continue;
    }
    try {
      const stored = await deps.workloads.strategicPatch(w.kind, namespace, w.metadata.name ?? '', patch);
      const image = change.image.metadata;
      await deps.events.record(
        { apiVersion: WORKLOAD_API_VERSION[w.kind], kind: w.kind, metadata: stored.metadata },
        'Normal',
        'RolloutRestarted',
        `Tagpilot Image ${image.namespace}/${image.name} restarted the rollout for ${change.tag}${change.digest ? `@${change.digest}` : ''} (rule ${change.rule})`,
      );
      restarted.push(id);
    } catch (err) {
      if (!isTransientKubeError(err)) retriable = false;
      failed.push(`${id}: ${kubeMessage(err)}`);
    }
  }
  if (users.length === 0 && state.held?.size) {
    return { ok: true, retriable: false, summary: `restart: ${heldText(state).join('; ')}` };
  }
  if (users.length === 0) {
    return {
      ok: true,
      retriable: false,
      summary: change.image.spec.targets?.length
        ? `restart: no workload that spec.targets names in namespace ${namespace} uses ${change.repository} in a targeted container`
        : `restart: no Deployment, StatefulSet or DaemonSet in namespace ${namespace} uses ${change.repository}`,
    };
  }
  const parts = [
    ...(restarted.length ? [`${deps.dryRun ? 'would restart' : 'restarted'} ${restarted.join(', ')}`] : []),
    ...(rolling.length ? [`${rolling.join(', ')} already rolling out from apply`] : []),
    ...(done.length ? [`${done.join(', ')} already rolled out for ${mark.value} (an earlier run)`] : []),
    ...(current.length
      ? [`${current.join(', ')} not restarted (every running Pod runs ${change.digest ?? change.tag})`]
      : []),
    ...(stuck.length
      ? [
          `${stuck.join(', ')} still run a stale digest after the restart for ${mark.value}; not restarted again until the registry digest changes (check imagePullPolicy)`,
        ]
      : []),
    ...(cronJobs.length
      ? [`${cronJobs.join(', ')} not restarted (a CronJob's next run uses its current template)`]
      : []),
    ...heldText(state),
    ...(failed.length ? [`FAILED ${failed.join('; ')}`] : []),
  ];
  return { ok: failed.length === 0, retriable, summary: `restart: ${parts.join('; ')}` };
}
