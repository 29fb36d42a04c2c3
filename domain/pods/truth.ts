// Running-pod truth: does each running container of a followed repository run the digest the registry
// has now for its node's platform? Pure: the controller hands in the Pods (compacted), the nodes'
// platforms and the digests of the tag; this judges them and says which workloads run a stale digest.
//
// A runtime reports in containerStatuses[].imageID the digest it resolved the tag to: containerd and
// CRI-O the digest the tag pointed at (the index of a multi-platform image), older Docker-based nodes
// sometimes the platform manifest's. So a container is current when it runs the tag's digest, or the
// index entry for its node's platform; anything else is stale.
import type { ImagePods, ImageStalePod } from '../../crds/index.js';
import { formatPlatform, platformMatches, sameOsArchitecture, type Platform } from '../image/platform.js';

export const STALE_PODS_LISTED = 10;

/** The labels kubelet sets on every Node (kubernetes.io/os, kubernetes.io/arch). */
export const NODE_OS_LABEL = 'kubernetes.io/os';
export const NODE_ARCH_LABEL = 'kubernetes.io/arch';

/** What the judgement needs of one running Pod. */
export interface PodFacts {
  /** The workload it belongs to, `Kind/name`. */
  workload: string;
  name: string;
  node: string | undefined;
  annotations: Record<string, string>;
  /** The containers that use the repository (and are targeted), with their status's imageID. */
  containers: { name: string; imageID: string | undefined }[];
}

/** The registry side: the tag's digest and, for an index, each platform's entry. */
export interface TagDigests {
  digest: string;
  platforms: readonly { platform: Platform; digest: string }[];
}

export interface WorkloadTruth {
  current: number;
  stale: number;
  unknown: number;
  /** Stale containers in Pods that a restart for this very digest created: restarting again does not help. */
  staleAfterRestart: number;
}

export interface PodTruth {
  status: ImagePods;
  /** By `Kind/name`. */
  workloads: Map<string, WorkloadTruth>;
}

const DIGEST_IN_ID = /@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,})$/;

/**
 * The digest in an imageID: `repo@sha256:…`, `docker-pullable://repo@sha256:…`. A bare `sha256:…` is
 * the local image ID (the config's digest), not something the registry lists: undefined.
 */
export function imageIdDigest(imageID: string | undefined): string | undefined {
  return imageID ? DIGEST_IN_ID.exec(imageID.trim())?.[1] : undefined;
}

/** A node's platform from its kubernetes.io/os and kubernetes.io/arch labels. */
export function nodePlatform(labels: Record<string, string> | undefined): Platform | undefined {
  const os = labels?.[NODE_OS_LABEL];
  const architecture = labels?.[NODE_ARCH_LABEL];
  return os && architecture ? { os, architecture } : undefined;
}

type Verdict = { kind: 'current' } | { kind: 'unknown' } | { kind: 'stale'; expected: string };

function judge(running: string | undefined, platform: Platform | undefined, tag: TagDigests): Verdict {
  if (running === undefined) return { kind: 'unknown' };
  if (running === tag.digest) return { kind: 'current' };
  // A Node's labels name no variant (an arm node may be v6 or v7): every entry of its os and
  // architecture is current; the expected one is the default variant's when the index has several.
  const entries = platform ? tag.platforms.filter((p) => sameOsArchitecture(platform, p.platform)) : [];
  if (entries.some((e) => e.digest === running)) return { kind: 'current' };
  const entry = entries.find((e) => platformMatches(platform!, e.platform)) ?? entries[0];
  if (entry) return { kind: 'stale', expected: entry.digest };
  // Node platform unknown, or not one the index offers: any entry of the current image counts.
  if (tag.platforms.some((p) => p.digest === running)) return { kind: 'current' };
  return { kind: 'stale', expected: tag.digest };
}

/**
 * Judges `pods` against `tag`. `nodes` maps node names to platforms; `mark` is the rollout mark a
 * restart for this digest writes into the pod template (and so onto the Pods it creates).
 */
export function judgePods(
  pods: readonly PodFacts[],
  nodes: ReadonlyMap<string, Platform>,
  tag: TagDigests,
  mark: { key: string; value: string },
): PodTruth {
  const workloads = new Map<string, WorkloadTruth>();
  const stale: ImageStalePod[] = [];
  let current = 0;
  let unknown = 0;
  const sorted = [...pods].sort((a, b) =>
    a.workload === b.workload ? a.name.localeCompare(b.name) : a.workload.localeCompare(b.workload),
  );
  for (const pod of sorted) {
    const w = workloads.get(pod.workload) ?? { current: 0, stale: 0, unknown: 0, staleAfterRestart: 0 };
    workloads.set(pod.workload, w);
    const platform = pod.node ? nodes.get(pod.node) : undefined;
    const restartedForThis = pod.annotations[mark.key] === mark.value;
    for (const c of pod.containers) {
      const running = imageIdDigest(c.imageID);
      const v = judge(running, platform, tag);
      if (v.kind === 'current') {
        current++;
        w.current++;
      } else if (v.kind === 'unknown') {
        unknown++;
        w.unknown++;
      } else {
        w.stale++;
        if (restartedForThis) w.staleAfterRestart++;
        stale.push({
          workload: pod.workload,
          pod: pod.name,
          container: c.name,
          ...(pod.node ? { node: pod.node } : {}),
          ...(platform ? { platform: formatPlatform(platform) } : {}),
          running: running!,
          expected: v.expected,
          ...(restartedForThis ? { afterRestart: true } : {}),
        });
      }
    }
  }
  return {
    status: {
      digest: tag.digest,
      current,
      stale: stale.length,
      unknown,
      ...(stale.length ? { stalePods: stale.slice(0, STALE_PODS_LISTED) } : {}),
    },
    workloads,
  };
}
