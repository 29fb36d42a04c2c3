// tagpilot-controller wired together: `startController(opts)` starts the Image cache, the cron scheduler,
// the webhook receivers, the evaluation queue and leader election, and returns a handle to stop it.
// `controller/main.ts` is the program around it; tests and the bench run it in-process.
//
// Every replica watches Images (a warm cache makes take-over fast) and serves /metrics, /healthz, /readyz
// and the webhook receivers. Only the leader evaluates: a follower that receives a webhook marks the
// matching Images with the refresh annotation, which the leader acts on.
import type { KubeConfig } from '@kubernetes/client-node';
import { Cache } from '../common/cache.js';
import { withoutManagedFields } from '../common/compact.js';
import { Informer } from '../common/informer.js';
import { LeaderElector, leaderIdentity } from '../common/leader-election.js';
import { createLogger, type Logger } from '../common/logger.js';
import { startOpsServer, type OpsLimits } from '../common/ops-server.js';
import type { Image } from '../crds/index.js';
import { createAlertSender } from './actions/alert-sender.js';
import type { AlertSender } from './actions/types.js';
import { EvaluationQueue } from './engine/evaluation-queue.js';
import { Evaluator, imageKey, type Trigger } from './engine/evaluate.js';
import { hookRelay } from './engine/hook-relay.js';
import { ImageTriggers } from './engine/image-triggers.js';
import * as metrics from './engine/metrics.js';
import { KubeEventRecorder, LoggingEventRecorder, type EventRecorder } from './kube/events.js';
import { indexRollouts, rolloutsOfPod, rolloutsOfWorkload } from './health/wake.js';
import { ImageApi } from './kube/images.js';
import { PullSecretReader } from './kube/secrets.js';
import { KubeNodeReader } from './kube/nodes.js';
import { KubePodReader } from './kube/pods.js';
import { KubeWorkloadClient } from './kube/workloads.js';
import {
  RegistryClient,
  evaluationsPerRegistry,
  registryHostOf,
  type RegistryClientOptions,
} from './registry/index.js';
import { CronScheduler, createHookHandler, type HookSecrets } from './triggers/index.js';

export interface LeaderElectionSettings {
  /** Namespace of the Lease (where the controller runs). */
  namespace: string;
  /** Lease name. Default `tagpilot-controller`. */
  name?: string;
  /** This replica's identity. Default $POD_NAME, else hostname-pid-random. */
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; empty or undefined: all. */
  namespaces?: string[];
  /** Decide and report (logs, metrics), change nothing in the cluster. */
  dryRun?: boolean;
  /** Evaluations at once. Default 10. */
  concurrency?: number;
  /** Lease-based leader election; false (default) acts at once, for a single replica. */
  leaderElection?: LeaderElectionSettings | false;
  /** Serve /metrics, /healthz, /readyz and /v1/hooks/* here; false: no server (tests that do not need it). */
  ops?: ({ host: string; port: number } & OpsLimits) | false;
  /** Secrets of the webhook receivers (a receiver without one answers 404). */
  hookSecrets?: HookSecrets | (() => HookSecrets);
  maxHookBodyBytes?: number;
  /** How far a signed X-Tagpilot-Timestamp may be from now. Default 5 min. */
  hookReplayWindowMs?: number;
  /** A status whose only news is the check times is written at most this often. Default 10 min. */
  statusHeartbeatMs?: number;
  /** A RegistryClient to share, or options for the controller's own. */
  registry?: RegistryClient | RegistryClientOptions;
  /** Upper bound of the per-Image cron jitter. Default 5 s. */
  cronJitterMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long stop() waits for evaluations in flight. Default 30 s. */
  shutdownTimeoutMs?: number;
  /** Sends alerts for `alert` actions. Default: controller/alerts; false: alert actions fail with an Event. */
  alert?: AlertSender | false;
  log?: Logger;
}

export interface ControllerStats {
  evaluations: number;
  byResult: Record<string, number>;
  /** Evaluations per Image key (`namespace/name`). */
  byImage: Record<string, number>;
}

export interface Controller {
  /** Port of the ops server (0 when none). */
  readonly port: number;
  isLeader(): boolean;
  ready(): boolean;
  stats(): ControllerStats;
  /** Queues every watched Image now, as one tick of a schedule they all share would (bench, tests). */
  triggerAll(trigger?: Trigger): number;
  /** Resolves when the queue has nothing due and nothing in flight. */
  idle(): Promise<void>;
  /** Graceful: stop triggers, finish evaluations in flight, release the Lease, close the server. */
  stop(): Promise<void>;
}

/**
 * How often a followed rollout is looked at without a change to wake it: the watch caches wake the gate
 * on every change of a followed workload or its Pods, so the poll only covers missed events. While the
 * namespace's caches are live it is slow (a mass rollout that kube-controller-manager takes minutes to
 * finish was 1,000 looks per 15 s at 1,000 Images, about half of the update cycle's CPU); while they fall back
 * to lists, when changes wake nobody, it is the quick one. The deadline is looked at on time either way.
 */
const HEALTH_BACKSTOP_MS = 15_000;
const HEALTH_WATCHED_BACKSTOP_MS = 60_000;

/** One Image informer per watched namespace (or one for all). */
function imageCache(kubeConfig: KubeConfig, images: ImageApi, namespaces: string[], log: Logger) {
  return new Cache<Image>(
    namespaces,
    (ns) =>
      new Informer<Image>({
        kubeConfig,
        path: images.watchPath(ns),
        list: (page) => images.list(ns, page),
        transform: withoutManagedFields,
        log,
        name: `images${ns ? ` in ${ns}` : ''}`,
        onRestart: (reason) => metrics.watchRestarts.inc({ resource: 'images', reason }),
      }),
  );
}

export async function startController(opts: ControllerOptions): Promise<Controller> {
  const log = opts.log ?? createLogger('tagpilot-controller');
  const dryRun = opts.dryRun ?? false;
  const kc = opts.kubeConfig;
  const namespaces = (opts.namespaces ?? []).filter((n) => n !== '');
  const identity = (opts.leaderElection && opts.leaderElection.identity) || leaderIdentity();
  const ownRegistry = !(opts.registry instanceof RegistryClient);
  const registry =
    opts.registry instanceof RegistryClient
      ? opts.registry
      : new RegistryClient({ logger: log, ...(opts.registry ?? {}) });
  const events: EventRecorder = dryRun
    ? new LoggingEventRecorder(log)
    : new KubeEventRecorder(kc, log, identity, (ok) =>
        metrics.eventsRecorded.inc({ outcome: ok ? 'ok' : 'failed' }),
      );
  const images = new ImageApi(kc);
  const cache = imageCache(kc, images, namespaces, log);
  // Workloads and Pods are watched by the leader only (it alone evaluates), scoped like the Images.
  const watchOf = (resource: string) => ({
    namespaces,
    log,
    onRestart: (reason: string) => metrics.watchRestarts.inc({ resource, reason }),
  });
  const workloads = new KubeWorkloadClient(kc, { watch: watchOf('workloads') });
  const pods = new KubePodReader(kc, { watch: watchOf('pods') });
  let leading = false;
  let stopping = false;
  const stats: ControllerStats = { evaluations: 0, byResult: {}, byImage: {} };

  // ---- the leader's work: scheduler → queue → evaluator ------------------------------------------
  const scheduler: CronScheduler = new CronScheduler({
    onFire: (key: string) => queue.add(key, 'cron'),
    maxJitterMs: opts.cronJitterMs,
    logger: log,
  });
  const evaluator: Evaluator = new Evaluator({
    healthPollMs: HEALTH_BACKSTOP_MS,
    healthWatchedPollMs: HEALTH_WATCHED_BACKSTOP_MS,
    images,
    cache,
    registry,
    secrets: new PullSecretReader({ kubeConfig: kc }),
    actions: {
      workloads,
      events,
      log,
      dryRun,
      ...(opts.alert !== false
        ? { alert: opts.alert ?? createAlertSender({ kubeConfig: kc, events, log }) }
        : {}),
    },
    pods,
    nodes: new KubeNodeReader(kc),
    events,
    log,
    dryRun,
    heartbeatMs: opts.statusHeartbeatMs ?? 600_000,
    nextCheck: (key: string): Date | undefined => scheduler.nextFire(key),
    onResult: (result, key) => {
      stats.evaluations++;
      stats.byResult[result] = (stats.byResult[result] ?? 0) + 1;
      stats.byImage[key] = (stats.byImage[key] ?? 0) + 1;
    },
  });
  const concurrency = opts.concurrency ?? 10;
  const queue: EvaluationQueue = new EvaluationQueue({
    evaluator,
    concurrency,
    groupOf: (key) => registryHostOf(cache.getByKey(key)?.spec.image),
    maxActivePerGroup: evaluationsPerRegistry(concurrency, registry.concurrencyPerRegistry),
    retryBaseMs: opts.retryBaseMs ?? 2_000,
    retryMaxMs: opts.retryMaxMs ?? 300_000,
    shutdownTimeoutMs: opts.shutdownTimeoutMs ?? 30_000,
    log,
  });

  // ---- every replica: Image cache → triggers ------------------------------------------------------
  const triggers = new ImageTriggers({
    scheduler,
    enqueue: (key, trigger) => queue.add(key, trigger),
    refreshPending: (image) => evaluator.refreshPending(image),
    answerPending: (image) => evaluator.answerPending(image),
    forget: (key) => {
      queue.forget(key);
      evaluator.forget(key);
    },
    leading: () => leading,
    log,
  });
  cache.on('add', triggers.onAdd);
  cache.on('update', triggers.onUpdate);
  cache.on('delete', triggers.onDelete);
  for (const ev of ['add', 'delete'] as const) cache.on(ev, () => metrics.imagesWatched.set(cache.size));
  // A followed rollout is judged when its workload or Pods change (the health poll is a backstop).
  const wake = (found: Image[]) => {
    if (leading) for (const image of found) queue.add(imageKey(image), 'rollout');
  };
  const rollouts = indexRollouts(cache);
  workloads.onChange((w) => wake(rolloutsOfWorkload(rollouts, w)));
  pods.onChange((pod) => {
    const ns = pod.metadata?.namespace ?? '';
    wake(rolloutsOfPod(rollouts, pod, (kind, name) => workloads.cached(kind, ns, name)));
  });

  const hookHandler = createHookHandler({
    onHook: hookRelay({
      images,
      list: () => cache.list(),
      leading: () => leading,
      stopping: () => stopping,
      enqueue: (key, trigger) => queue.add(key, trigger),
      pushed: (key, tags) => evaluator.notePushed(key, tags),
    }),
    secrets: opts.hookSecrets ?? {},
    ...(opts.maxHookBodyBytes ? { maxBodyBytes: opts.maxHookBodyBytes } : {}),
    ...(opts.hookReplayWindowMs ? { replayWindowMs: opts.hookReplayWindowMs } : {}),
    logger: log,
  });
  const ready = () => !stopping && cache.isSynced;
  const ops = opts.ops ? await startOpsServer({ ...opts.ops, ready, handle: hookHandler }) : undefined;
  try {
    await cache.start();
  } catch (err) {
    await ops?.close();
    throw err;
  }
  metrics.imagesWatched.set(cache.size);
  log.info(
    {
      namespaces: namespaces.length ? namespaces : 'all',
      images: cache.size,
      identity,
      dryRun,
      port: ops?.port,
    },
    'Image cache synced',
  );

  // ---- leader election ----------------------------------------------------------------------------
  const startLeading = () => {
    if (leading || stopping) return;
    leading = true;
    metrics.leader.set(1);
    // Their first lists run alongside the first evaluations, which wait for them only when they read
    // workloads or Pods (watched-lists.ts).
    workloads.start();
    pods.start();
    queue.start();
    for (const image of cache.list()) triggers.track(image);
    log.info({ images: cache.size, dryRun }, 'acting as leader');
  };
  const stopLeading = async () => {
    if (!leading) return;
    leading = false;
    metrics.leader.set(0);
    scheduler.stop();
    await queue.stop();
    await Promise.all([workloads.stop(), pods.stop()]);
    evaluator.forgetMetrics();
  };
  const election = opts.leaderElection;
  const elector = election
    ? new LeaderElector({
        kubeConfig: kc,
        namespace: election.namespace,
        name: election.name ?? 'tagpilot-controller',
        identity,
        leaseDurationSeconds: election.leaseDurationSeconds,
        renewDeadlineMs: election.renewDeadlineMs,
        retryPeriodMs: election.retryPeriodMs,
        log,
        onStartedLeading: startLeading,
        onStoppedLeading: stopLeading,
      })
    : undefined;
  if (elector) elector.start();
  else startLeading();

  return {
    port: ops?.port ?? 0,
    isLeader: () => leading,
    ready,
    stats: () => ({
      evaluations: stats.evaluations,
      byResult: { ...stats.byResult },
      byImage: { ...stats.byImage },
    }),
    triggerAll: (trigger: Trigger = 'cron') => {
      const all = cache.list();
      for (const img of all) if (!img.spec.suspend) queue.add(imageKey(img), trigger);
      return all.length;
    },
    idle: () => queue.idle(),
    async stop() {
      if (stopping) return;
      stopping = true;
      // Stop acting before releasing the Lease, so a successor never overlaps with our in-flight work.
      await stopLeading();
      await elector?.stop();
      await cache.stop();
      await ops?.close();
      if (ownRegistry) await registry.close().catch(() => undefined);
      log.info('controller stopped');
    },
  };
}
