// The evaluator's side of running-pod truth: when to compare Pods, the Events that report stale ones,
// and the rule whose restart action rolls workloads found running a stale digest between changes.
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Image, ImagePods, ImageRule } from '../../crds/index.js';
import { imageTarget, type EventRecorder } from '../kube/events.js';
import type { Checked } from './check.js';
import { podTruth, wantsPodTruth, type PodTruthDeps, type PodTruthResult } from './pod-truth.js';

export interface RunningPodsDeps extends PodTruthDeps {
  events: EventRecorder;
  log: Logger;
}

/** The tag and digest the cluster should run after this check. */
function followed(checked: Checked): { tag: string; digest: string } | undefined {
  const tag = checked.outcome.kind === 'change' ? checked.outcome.tag : checked.current;
  return checked.digest ? { tag, digest: checked.digest } : undefined;
}

/**
 * Compares the running Pods with the registry. Undefined when the Image does not want it (no digest
 * rule, no restart action), the digest is unknown, or listing failed (logged; status.pods then keeps
 * what it had and restart acts as it would without the comparison).
 */
export async function observePods(
  deps: RunningPodsDeps,
  image: Image,
  checked: Checked,
  log: Logger,
): Promise<PodTruthResult | undefined> {
  const f = followed(checked);
  if (!f || !wantsPodTruth(image)) return undefined;
  try {
    return await podTruth(deps, {
      image,
      ref: checked.ref,
      access: checked.access,
      repository: checked.repository,
      ...f,
    });
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'could not compare the running Pods with the registry');
    return undefined;
  }
}

/** status.pods after this check: the new comparison, removed when not wanted, else kept. */
export function podsField(image: Image, truth: PodTruthResult | undefined): ImagePods | null | undefined {
  if (truth) return truth.status;
  return wantsPodTruth(image) ? undefined : null;
}

/** The first rule with a restart action: it restarts workloads found running a stale digest. */
export function restartRule(image: Image): ImageRule | undefined {
  return image.spec.rules.find((r) => r.actions.some((a) => a.type === 'restart'));
}

const short = (d: string | undefined) => (d ? d.replace(/^(sha256:)?(.{12}).*$/, '$1$2') : '?');

/**
 * Events on the Image, once per news: `StalePods` when Pods start running a stale digest (or the digest
 * they are compared with changed), `StaleAfterRestart` (Warning) for Pods a restart for this digest
 * created that still run an old one.
 */
export async function recordPodEvents(
  events: EventRecorder,
  image: Image,
  truth: PodTruthResult,
): Promise<void> {
  const before = image.status?.pods;
  const now = truth.status;
  const stale = now.stalePods ?? [];
  const describe = (p: (typeof stale)[number]) =>
    `${p.workload} Pod ${p.pod} (${p.container}) on ${p.node ?? 'an unknown node'}${p.platform ? ` (${p.platform})` : ''} runs ${short(p.running)}, not ${short(p.expected)}`;
  if (now.stale > 0 && ((before?.stale ?? 0) === 0 || before?.digest !== now.digest)) {
    const total = now.current + now.stale + now.unknown;
    await events.record(
      imageTarget(image),
      'Normal',
      'StalePods',
      `${now.stale} of ${total} running containers run another digest than ${short(now.digest)} of ${truth.tag}: ${stale.slice(0, 3).map(describe).join('; ')}`,
    );
  }
  const reported = new Set((before?.stalePods ?? []).filter((p) => p.afterRestart).map((p) => p.pod));
  const fresh = stale.filter((p) => p.afterRestart && !reported.has(p.pod));
  if (fresh.length > 0) {
    await events.record(
      imageTarget(image),
      'Warning',
      'StaleAfterRestart',
      `still stale after the restart for ${short(now.digest)}: ${fresh.slice(0, 3).map(describe).join('; ')}; not restarted again until the registry digest changes (a node reusing its cached image: check imagePullPolicy)`,
    );
  }
}
