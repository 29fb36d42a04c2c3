// What an evaluation depends on and why it runs: the Evaluator's inputs, kept apart from its logic.
import type { Logger } from '../../common/logger.js';
import type { Image } from '../../crds/index.js';
import type { ActionDeps } from '../actions/types.js';
import type { EventRecorder } from '../kube/events.js';
import type { ImageApi } from '../kube/images.js';
import type { NodeReader } from '../kube/nodes.js';
import type { PodReader } from '../kube/pods.js';
import type { PullSecretReader } from '../kube/secrets.js';
import type { RegistryClient } from '../registry/index.js';
import type { ImageCache } from './status-writer.js';

/** Why an Image is evaluated; several may be coalesced into one evaluation. */
export type Trigger =
  'cron' | 'webhook' | 'manual' | 'approval' | 'new' | 'spec' | 'missed' | 'retry' | 'release' | 'rollout';

export interface EvaluatorDeps {
  /** `get` reads who set an approval annotation when the cache drops managedFields. */
  images: Pick<ImageApi, 'applyStatus' | 'jsonPatch'> & Partial<Pick<ImageApi, 'get'>>;
  cache: ImageCache;
  registry: RegistryClient;
  secrets: PullSecretReader;
  actions: ActionDeps;
  /** The health gate reads the Pods of the workloads it follows; running-pod truth compares them. */
  pods: PodReader;
  /** Node platforms for running-pod truth; without it running Pods are not compared. */
  nodes?: NodeReader;
  /** How often a followed rollout is looked at (default 3 s). */
  healthPollMs?: number;
  /** How often while the workload and Pod watch caches wake the gate on changes (default: healthPollMs). */
  healthWatchedPollMs?: number;
  events: EventRecorder;
  log: Logger;
  dryRun: boolean;
  /** Write a status whose only news is the check times at most this often (0: every check). */
  heartbeatMs: number;
  /** Next cron run of a key, for status.nextCheckTime. */
  nextCheck: (key: string) => Date | undefined;
  now?: () => Date;
  /** Called once per evaluation with its result (per-instance statistics). */
  onResult?: (result: string, key: string) => void;
}

/** Only manual triggers: the Image waits for the refresh annotation and is never checked on its own. */
export function manualOnly(image: Image): boolean {
  return image.spec.triggers.length > 0 && image.spec.triggers.every((t) => t.type === 'manual');
}
