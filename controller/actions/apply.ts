// The `apply` action: write the new reference into every workload of the Image's namespace whose
// containers use the repository. A JSON patch per workload with a `test` of each old value; when someone
// changed the workload since we read it, read it again and re-plan (a few times), never overwrite blindly.
import { errorMessage } from '../../common/errors.js';
import { isStaleWrite, isTransientKubeError, kubeMessage } from '../kube/errors.js';
import { WORKLOAD_API_VERSION, type Workload } from '../kube/workloads.js';
import type { ActionDeps, ActionResult, Change, RunState } from './types.js';
import { heldText, repositoryUsers } from './users.js';
import { describeWorkload, planApply, rolloutMark, type ContainerChange } from './workloads.js';
import { compileTargets } from '../../domain/targets/targets.js';

const MAX_ATTEMPTS = 4;

function containersText(changes: { container: string; init: boolean }[]): string {
  return changes
    .map((c) => (c.init ? `init container ${c.container}` : `container ${c.container}`))
    .join(', ');
}

export async function applyAction(change: Change, deps: ActionDeps, state: RunState): Promise<ActionResult> {
  const namespace = change.image.metadata.namespace ?? 'default';
  const digest = change.pinDigest ? change.digest : undefined;
  if (change.pinDigest && !digest) {
    return {
      ok: false,
      retriable: true,
      summary: `apply: the digest of ${change.tag} is unknown, so the reference cannot be pinned; retrying`,
    };
  }
  const users = await repositoryUsers('apply', change, deps, state);
  if (!Array.isArray(users)) return users;
  if (users.length === 0 && state.held?.size) {
    return { ok: true, retriable: false, summary: `apply: ${heldText(state).join('; ')}` };
  }
  if (users.length === 0) {
    return {
      ok: true,
      retriable: false,
      summary: change.image.spec.targets?.length
        ? `apply: no workload that spec.targets names in namespace ${namespace} uses ${change.repository} in a targeted container`
        : `apply: no Deployment, StatefulSet, DaemonSet or CronJob in namespace ${namespace} uses ${change.repository}`,
    };
  }
  const patched: string[] = [];
  const current: string[] = [];
  const failed: string[] = [];
  let retriable = true;
  for (const w of users) {
    try {
      const outcome = await applyOne(w, change, digest, deps);
      if (outcome === undefined) current.push(describeWorkload(w));
      else {
        patched.push(`${describeWorkload(w)} (${containersText(outcome)})`);
        state.patched.add(describeWorkload(w));
        state.applied.push({
          kind: w.kind,
          name: w.metadata.name ?? '',
          containers: outcome.map((c) => ({ name: c.container, init: c.init, from: c.from, to: c.to })),
        });
      }
    } catch (err) {
      if (!isTransientKubeError(err)) retriable = false;
      failed.push(`${describeWorkload(w)}: ${kubeMessage(err)}`);
    }
  }
  const verb = deps.dryRun ? 'would patch' : 'patched';
  const parts = [
    ...(patched.length ? [`${verb} ${patched.join(', ')}`] : []),
    ...(current.length ? [`${current.join(', ')} already up to date`] : []),
    ...heldText(state),
    ...(failed.length ? [`FAILED ${failed.join('; ')}`] : []),
  ];
  return { ok: failed.length === 0, retriable, summary: `apply: ${parts.join('; ')}` };
}

/** Patches one workload; returns the containers it changed, or undefined when it already ran the reference. */
async function applyOne(
  initial: Workload,
  change: Change,
  digest: string | undefined,
  deps: ActionDeps,
): Promise<ContainerChange[] | undefined> {
  const namespace = initial.metadata.namespace ?? 'default';
  const name = initial.metadata.name ?? '';
  const targets = compileTargets(change.image.spec.targets);
  let w = initial;
  for (let attempt = 1; ; attempt++) {
    const mark = rolloutMark(change.image.metadata.name ?? '', change.tag, change.digest);
    const plan = planApply(w, change.repository, change.tag, digest, targets, mark);
    if (plan.patch.length === 0) return undefined;
    const what = plan.changes;
    if (deps.dryRun) {
      deps.log.info(
        { dryRun: true, workload: `${namespace}/${describeWorkload(w)}`, changes: plan.changes },
        'would patch workload',
      );
      return what;
    }
    try {
      const stored = await deps.workloads.jsonPatch(w.kind, namespace, name, plan.patch);
      const image = change.image.metadata;
      const lines = plan.changes.map(
        (c) => `${c.init ? 'init container' : 'container'} ${c.container}: ${c.from} → ${c.to}`,
      );
      await deps.events.record(
        { apiVersion: WORKLOAD_API_VERSION[w.kind], kind: w.kind, metadata: stored.metadata },
        'Normal',
        'ImageUpdated',
        `Tagpilot Image ${image.namespace}/${image.name} (rule ${change.rule}): ${lines.join('; ')}`,
      );
      deps.log.info(
        { workload: `${namespace}/${describeWorkload(w)}`, changes: plan.changes },
        'patched workload',
      );
      return what;
    } catch (err) {
      if (!isStaleWrite(err) || attempt >= MAX_ATTEMPTS) throw err;
      deps.log.debug(
        { workload: `${namespace}/${describeWorkload(w)}`, err: errorMessage(err) },
        'workload changed meanwhile; re-reading',
      );
      w = await deps.workloads.get(w.kind, namespace, name);
    }
  }
}
