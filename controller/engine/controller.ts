// tagpilot-controller as a library: `startController(opts)` wires the Image informer, the cron scheduler,
// the webhook receivers, the work queue, the evaluator and leader election, and returns a handle to stop
// it. `controller/main.ts` is the program around it; tests and the bench run it in-process.
//
// Every replica watches Images (a warm cache makes take-over fast) and serves /metrics, /healthz, /readyz
// and the webhook receivers. Only the leader evaluates: a follower that receives a webhook marks the
// matching Images with the refresh annotation, which the leader acts on, so no hook is lost to a Service
// that load-balances across replicas.
import type { KubeConfig } from '@kubernetes/client-node';
import { Informer } from '../../common/informer.js';
import { LeaderElector, leaderIdentity } from '../../common/leader-election.js';
import { createLogger, type Logger } from '../../common/logger.js';
import { startOpsServer } from '../../common/ops-server.js';
import { WorkQueue } from '../../common/work-queue.js';
import type { Image } from '../../crds/index.js';
import { repositoryOf } from '../actions/workloads.js';
import type { AlertSender } from '../actions/types.js';
import { createAlertSender } from '../actions/alert-sender.js';
import { KubeEventRecorder, LoggingEventRecorder, type EventRecorder } from '../kube/events.js';
import { kubeMessage } from '../kube/errors.js';
import { ImageApi } from '../kube/images.js';
import { PullSecretReader } from '../kube/secrets.js';
import { KubeWorkloadClient, type WorkloadClient } from '../kube/workloads.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/index.js';
import {
  CronScheduler,
  REFRESH_ANNOTATION,
  createHookHandler,
  type HookEvent,
  type HookSecrets,
} from '../triggers/index.js';
import { Evaluator, imageKey, type Trigger } from './evaluate.js';
import * as metrics from './metrics.js';
import { UP_TO_DATE, findCondition } from './status.js';

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
  ops?: { host: string; port: number } | false;
  /** Secrets of the webhook receivers (a receiver without one answers 404). */
  hookSecrets?: HookSecrets | (() => HookSecrets);
  maxHookBodyBytes?: number;
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

export async function startController(opts: ControllerOptions): Promise<Controller> {
  const log = opts.log ?? createLogger('tagpilot-controller');
  const dryRun = opts.dryRun ?? false;
  const kc = opts.kubeConfig;
  const identity = (opts.leaderElection && opts.leaderElection.identity) || leaderIdentity();
  const images = new ImageApi(kc);
  const registry =
    opts.registry instanceof RegistryClient
      ? opts.registry
      : new RegistryClient({ logger: log, ...(opts.registry ?? {}) });
  const events: EventRecorder = dryRun
    ? new LoggingEventRecorder(log)
    : new KubeEventRecorder(kc, log, identity, (ok) =>
        metrics.eventsRecorded.inc({ outcome: ok ? 'ok' : 'failed' }),
      );
  const workloads: WorkloadClient = new KubeWorkloadClient(kc);
  const namespaces = (opts.namespaces ?? []).filter((n) => n !== '');

  let leading = false;
  let stopping = false;
  let queue: WorkQueue<Trigger> | undefined;
  const stats: ControllerStats = { evaluations: 0, byResult: {} };

  const scheduler = new CronScheduler({
    onFire: (key) => enqueue(key, 'cron'),
    maxJitterMs: opts.cronJitterMs,
    logger: log,
  });

  // One informer per watched namespace (or one for all); Images are looked up across them.
  const informers: Informer<Image>[] = [];
  const cache = {
    getByKey: (key: string) => {
      for (const inf of informers) {
        const hit = inf.getByKey(key);
        if (hit) return hit;
      }
      return undefined;
    },
    upsert: (obj: Image) => informers.forEach((inf) => inf.upsert(obj)),
    list: () => informers.flatMap((inf) => inf.list()),
  };

  const evaluator = new Evaluator({
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
    events,
    log,
    dryRun,
    heartbeatMs: opts.statusHeartbeatMs ?? 600_000,
    nextCheck: (key) => scheduler.nextFire(key),
    onResult: (result) => {
      stats.evaluations++;
      stats.byResult[result] = (stats.byResult[result] ?? 0) + 1;
    },
  });

  function enqueue(key: string, trigger: Trigger, delayMs = 0): void {
    if (!leading || !queue) return;
    metrics.triggers.inc({ trigger });
    queue.add(key, trigger, delayMs);
  }

  /** Schedules an Image's triggers and queues it now if it is due (never checked, spec changed, missed run). */
  function track(image: Image): void {
    const key = imageKey(image);
    if (image.spec.suspend) {
      scheduler.delete(key);
      return;
    }
    const errors = scheduler.set(key, image.spec.triggers);
    if (errors.length) log.warn({ image: key, errors }, 'invalid crontab triggers skipped');
    if (evaluator.refreshPending(image)) return enqueue(key, 'manual');
    const status = image.status;
    const mine = findCondition(status, UP_TO_DATE);
    if (!status?.result || !mine) return enqueue(key, 'new');
    if (mine.observedGeneration !== image.metadata.generation) return enqueue(key, 'spec');
    const next = status.nextCheckTime ? Date.parse(status.nextCheckTime) : NaN;
    if (!Number.isNaN(next) && next < Date.now()) enqueue(key, 'missed');
  }

  function onAdd(image: Image): void {
    metrics.imagesWatched.set(cache.list().length);
    if (leading) track(image);
  }

  function onUpdate(image: Image, old: Image): void {
    if (!leading) return;
    const key = imageKey(image);
    if (image.metadata.generation !== old.metadata.generation) {
      if (image.spec.suspend) {
        scheduler.delete(key);
        return;
      }
      scheduler.set(key, image.spec.triggers);
      enqueue(key, 'spec');
      return;
    }
    const was = old.metadata.annotations?.[REFRESH_ANNOTATION];
    const is = image.metadata.annotations?.[REFRESH_ANNOTATION];
    if (is !== was && evaluator.refreshPending(image)) enqueue(key, 'manual');
  }

  function onDelete(image: Image): void {
    const key = imageKey(image);
    metrics.imagesWatched.set(cache.list().length);
    scheduler.delete(key);
    queue?.forget(key);
    evaluator.forget(key);
  }

  for (const ns of namespaces.length ? namespaces : [undefined]) {
    informers.push(
      new Informer<Image>({
        kubeConfig: kc,
        path: images.watchPath(ns),
        list: (page) => images.list(ns, page),
        log,
        onAdd,
        onUpdate,
        onDelete,
        onRestart: (reason) => metrics.watchRestarts.inc({ reason }),
      }),
    );
  }

  async function onHook(event: HookEvent): Promise<number> {
    if (stopping) throw new Error('the controller is shutting down');
    const matches = cache
      .list()
      .filter(
        (img) =>
          !img.spec.suspend &&
          img.spec.triggers.some((t) => t.type === 'webhook') &&
          repositoryOf(img.spec.image) === event.repository,
      );
    if (leading) {
      for (const img of matches) enqueue(imageKey(img), 'webhook');
      return matches.length;
    }
    // A follower hands the hook to the leader through the API: the refresh annotation.
    const stamp = `webhook:${event.source}:${new Date().toISOString()}`;
    await Promise.all(
      matches.map((img) =>
        images.jsonPatch(img.metadata.namespace ?? 'default', img.metadata.name ?? '', [
          ...(img.metadata.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
          { op: 'add', path: `/metadata/annotations/${REFRESH_ANNOTATION.replace('/', '~1')}`, value: stamp },
        ]),
      ),
    );
    return matches.length;
  }

  function startLeading(): void {
    if (leading || stopping) return;
    leading = true;
    metrics.leader.set(1);
    queue = new WorkQueue<Trigger>({
      concurrency: opts.concurrency ?? 10,
      retryReason: 'retry',
      retryBaseMs: opts.retryBaseMs ?? 2_000,
      retryMaxMs: opts.retryMaxMs ?? 300_000,
      process: (key, reasons) => evaluator.evaluate(key, reasons),
      onChange: (depth, active) => {
        metrics.queueDepth.set(depth);
        metrics.queueActive.set(active);
      },
      onError: (key, err) =>
        log.warn({ image: key, err: kubeMessage(err) }, 'evaluation failed; retrying with backoff'),
    });
    queue.start();
    for (const image of cache.list()) track(image);
    log.info({ images: cache.list().length, dryRun }, 'acting as leader');
  }

  async function stopLeading(): Promise<void> {
    if (!leading) return;
    leading = false;
    metrics.leader.set(0);
    scheduler.stop();
    const q = queue;
    queue = undefined;
    await q?.shutdown(opts.shutdownTimeoutMs ?? 30_000);
    metrics.queueDepth.set(0);
    metrics.queueActive.set(0);
  }

  const elector = opts.leaderElection
    ? new LeaderElector({
        kubeConfig: kc,
        namespace: opts.leaderElection.namespace,
        name: opts.leaderElection.name ?? 'tagpilot-controller',
        identity,
        leaseDurationSeconds: opts.leaderElection.leaseDurationSeconds,
        renewDeadlineMs: opts.leaderElection.renewDeadlineMs,
        retryPeriodMs: opts.leaderElection.retryPeriodMs,
        log,
        onStartedLeading: startLeading,
        onStoppedLeading: stopLeading,
      })
    : undefined;

  const hookHandler = createHookHandler({
    onHook,
    secrets: opts.hookSecrets ?? {},
    ...(opts.maxHookBodyBytes ? { maxBodyBytes: opts.maxHookBodyBytes } : {}),
    logger: log,
  });
  const ready = () => !stopping && informers.every((i) => i.hasSynced);
  const ops = opts.ops
    ? await startOpsServer({ host: opts.ops.host, port: opts.ops.port, ready, handle: hookHandler })
    : undefined;

  try {
    await Promise.all(informers.map((i) => i.start()));
  } catch (err) {
    await ops?.close();
    throw err;
  }
  metrics.imagesWatched.set(cache.list().length);
  log.info(
    {
      namespaces: namespaces.length ? namespaces : 'all',
      images: cache.list().length,
      identity,
      dryRun,
      port: ops?.port,
    },
    'Image cache synced',
  );
  if (elector) elector.start();
  else startLeading();

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Stop acting before releasing the Lease, so a successor never overlaps with our in-flight work.
    await stopLeading();
    await elector?.stop();
    for (const i of informers) i.stop();
    await ops?.close();
    if (!(opts.registry instanceof RegistryClient)) await registry.close().catch(() => undefined);
    log.info('controller stopped');
  };

  return {
    port: ops?.port ?? 0,
    isLeader: () => leading,
    ready,
    stats: () => ({ evaluations: stats.evaluations, byResult: { ...stats.byResult } }),
    triggerAll: (trigger: Trigger = 'cron') => {
      const all = cache.list();
      for (const img of all) if (!img.spec.suspend) enqueue(imageKey(img), trigger);
      return all.length;
    },
    idle: async () => {
      await queue?.idle();
    },
    stop,
  };
}
