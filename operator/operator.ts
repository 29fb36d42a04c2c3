// tagpilot-operator wired together (docs/operator.md). Every replica serves the admission webhooks from
// its Image cache and the certificate in the Secret; the leader alone reconciles Images and
// AlertConfigs, keeps the managed Images of annotated workloads, and keeps certificates and webhook
// configurations current.
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from '../common/logger.js';
import { errorMessage } from '../common/errors.js';
import { LeaderElector, leaderIdentity } from '../common/leader-election.js';
import { startOpsServer } from '../common/ops-server.js';
import { createAdmissionHandler, ImageIndex, warmUpValidators } from '../webhook/index.js';
import {
  alertConfigCache,
  certificateSecretInformer,
  imageCache,
  keysCache,
  type CacheContext,
} from './caches.js';
import { cachedImages, certReloads, isLeader, servingCertNotAfter } from './metrics.js';
import type { FailurePolicy, ServiceRef } from './options.js';
import { KubeWrites } from './reconcile/kube-writes.js';
import { Reconcilers } from './reconcile/reconcilers.js';
import { FollowReconciler } from './follow/reconciler.js';
import { workloadCaches } from './follow/workload-caches.js';
import { certificateInfo } from './tls/certs.js';
import { CertificateManager, decodeSecret } from './tls/manager.js';
import { CERT_KEY, KEY_KEY } from './tls/state.js';
import { applyWebhookConfigurations } from './webhook-config.js';
import { startWebhookServer, type WebhookServer } from './webhook-server.js';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  /** The operator's own namespace: Lease, certificate Secret, excluded from mutation. */
  namespace: string;
  /** Watched namespaces; empty or absent: all. */
  namespaces?: string[];
  webhookBindAddress?: string;
  /** 0: any free port (see RunningOperator.webhookPort). */
  webhookPort: number;
  metricsBindAddress?: string;
  metricsPort: number;
  webhookEndpoint: { url: string } | { service: ServiceRef };
  failurePolicy?: FailurePolicy;
  timeoutSeconds?: number;
  webhookConfigName?: string;
  certSecret?: string;
  selfSignedCerts?: boolean;
  certValidityMs?: number;
  certRenewBeforeMs?: number;
  /** Wait between publishing a new CA bundle and serving the new certificate (default 10 s). */
  certPropagationDelayMs?: number;
  leaderElect?: boolean;
  leaseName?: string;
  /** Unique per replica; default leaderIdentity(): $POD_NAME, else hostname-pid-random. */
  identity?: string;
  shutdownDelayMs?: number;
  /** How often the leader re-applies webhook configurations and requeues every object. */
  resyncMs?: number;
  /** Keep managed Images for workloads annotated tagpilot.dev/follow (default true). */
  followAnnotations?: boolean;
  /** Schedule of managed Images without a tagpilot.dev/schedule annotation (default @every 5m). */
  followDefaultSchedule?: string;
}

export interface RunningOperator {
  readonly webhookPort: () => number | undefined;
  readonly metricsPort: number;
  ready(): boolean;
  isLeader(): boolean;
  /** Resolves once the webhook server serves with a certificate and the Image cache is synced. */
  readonly serving: Promise<void>;
  stop(): Promise<void>;
}

/** Host names and IPs the serving certificate covers: the Service's DNS names or the URL's host. */
export function servingHosts(endpoint: OperatorOptions['webhookEndpoint']): string[] {
  const hosts = new Set<string>();
  if ('url' in endpoint) {
    hosts.add(new URL(endpoint.url).hostname.replace(/^\[|\]$/g, ''));
  } else {
    const { name, namespace } = endpoint.service;
    for (const h of [
      name,
      `${name}.${namespace}`,
      `${name}.${namespace}.svc`,
      `${name}.${namespace}.svc.cluster.local`,
    ])
      hosts.add(h);
  }
  // Port-forwards and local probes reach the pod on loopback.
  hosts.add('localhost');
  hosts.add('127.0.0.1');
  return [...hosts];
}

export async function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  const log = opts.log;
  const kc = opts.kubeConfig;
  const namespaces = opts.namespaces ?? [];
  const certSecret = opts.certSecret ?? 'tagpilot-operator-webhook-tls';
  const identity = opts.identity ?? leaderIdentity();
  const ctx: CacheContext = { kubeConfig: kc, namespaces, log };
  let shuttingDown = false;
  let webhook: WebhookServer | undefined;
  let leading = false;

  warmUpValidators();

  // ---- every replica: Image cache → pins ---------------------------------------------------------
  const index = new ImageIndex();
  const images = imageCache(ctx);
  images.on('add', (i) => index.upsert(i));
  images.on('update', (i) => index.upsert(i));
  images.on('delete', (i) => index.delete(i));
  for (const ev of ['add', 'update', 'delete'] as const) images.on(ev, () => cachedImages.set(index.size));

  // Health first: a port conflict fails the start before anything else runs.
  const ready = () => !shuttingDown && webhook !== undefined && images.isSynced;
  const ops = await startOpsServer({
    host: opts.metricsBindAddress ?? '0.0.0.0',
    port: opts.metricsPort,
    ready,
  });
  const imagesSynced = images.start();

  // ---- every replica: serve with the certificate in the Secret, reload when it changes ----------
  const handler = createAdmissionHandler({ pins: index, log: log.child({ component: 'webhook' }) });
  let resolveServing!: () => void;
  const serving = new Promise<void>((r) => (resolveServing = r));
  let certChain: Promise<void> = Promise.resolve();
  const loadCertificate = async (secret: V1Secret) => {
    const data = decodeSecret(secret);
    const cert = data?.[CERT_KEY];
    const key = data?.[KEY_KEY];
    if (!cert || !key || shuttingDown) return;
    let notAfter: Date;
    try {
      notAfter = certificateInfo(cert).notAfter;
    } catch (err) {
      log.warn(
        { err: errorMessage(err) },
        'the certificate Secret holds no usable tls.crt; keeping the current one',
      );
      return;
    }
    if (!webhook) {
      webhook = await startWebhookServer({
        host: opts.webhookBindAddress ?? '0.0.0.0',
        port: opts.webhookPort,
        cert,
        key,
        handler,
      });
      log.info({ port: webhook.port, notAfter }, 'admission webhooks serving');
      void imagesSynced.then(resolveServing);
    } else {
      try {
        webhook.setCertificate(cert, key);
      } catch (err) {
        log.warn(
          { err: errorMessage(err) },
          'could not load the new serving certificate; keeping the current one',
        );
        return;
      }
      certReloads.inc();
      log.info({ notAfter }, 'reloaded the serving certificate');
    }
    servingCertNotAfter.set(notAfter.getTime() / 1000);
  };
  const certInformer = certificateSecretInformer(kc, opts.namespace, certSecret, log);
  // Serialised: a start and a reload must not race for the one server.
  const onSecret = (s: V1Secret) => {
    certChain = certChain
      .then(() => loadCertificate(s))
      .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'serving the webhooks failed'));
  };
  certInformer.on('add', onSecret);
  certInformer.on('update', onSecret);
  void certInformer.start();

  // ---- leader: annotation mode (docs/without-custom-resources.md) --------------------------------
  const startFollowing = () => {
    const workloads = workloadCaches(kc, namespaces, log);
    const reconciler = new FollowReconciler({
      kubeConfig: kc,
      workloads,
      images,
      writes: new KubeWrites(kc, log),
      defaults: { schedule: opts.followDefaultSchedule ?? '@every 5m' },
      log: log.child({ component: 'follow' }),
      ...(opts.resyncMs ? { resyncMs: opts.resyncMs } : {}),
    });
    reconciler.watch();
    const caches = Object.values(workloads);
    return {
      reconciler,
      started: Promise.all([imagesSynced, ...caches.map((c) => c.start())]),
      async stop() {
        await reconciler.stop();
        await Promise.all(caches.map((c) => c.stop()));
      },
    };
  };

  // ---- leader: reconcilers, certificates, webhook configurations ---------------------------------
  let term: { stop(): Promise<void> } | undefined;
  const startLeading = async () => {
    leading = true;
    isLeader.set(1);
    const writes = new KubeWrites(kc, log);
    const alertConfigs = alertConfigCache(ctx);
    const secrets = keysCache(ctx, 'Secret');
    const configMaps = keysCache(ctx, 'ConfigMap');
    const reconcilers = new Reconcilers({
      caches: { images, alertConfigs, secrets, configMaps },
      writes,
      log: log.child({ component: 'reconciler' }),
      ...(opts.resyncMs ? { resyncMs: opts.resyncMs } : {}),
    });
    reconcilers.watch();
    const follow = opts.followAnnotations === false ? undefined : startFollowing();
    const certs = new CertificateManager({
      core: kc.makeApiClient(CoreV1Api),
      namespace: opts.namespace,
      secretName: certSecret,
      hosts: servingHosts(opts.webhookEndpoint),
      validityMs: opts.certValidityMs ?? 365 * 86_400_000,
      renewBeforeMs: opts.certRenewBeforeMs ?? 30 * 86_400_000,
      selfSigned: opts.selfSignedCerts ?? true,
      publish: (caBundle) =>
        applyWebhookConfigurations(kc, {
          name: opts.webhookConfigName ?? 'tagpilot-operator',
          endpoint: opts.webhookEndpoint,
          caBundle,
          failurePolicy: opts.failurePolicy ?? 'Ignore',
          timeoutSeconds: opts.timeoutSeconds ?? 5,
          ownNamespace: opts.namespace,
        }),
      log: log.child({ component: 'certificates' }),
      ...(opts.resyncMs ? { resyncMs: opts.resyncMs } : {}),
      ...(opts.certPropagationDelayMs !== undefined
        ? { propagationDelayMs: opts.certPropagationDelayMs }
        : {}),
    });
    certs.start();
    let stopped = false;
    const started = Promise.all([
      imagesSynced,
      alertConfigs.start(),
      secrets.start(),
      configMaps.start(),
    ]).then(() => {
      if (!stopped) reconcilers.start();
    });
    const followStarted = follow?.started.then(() => {
      if (!stopped) follow.reconciler.start();
    });
    term = {
      async stop() {
        stopped = true;
        await certs.stop();
        await reconcilers.stop();
        await follow?.stop();
        await Promise.all([alertConfigs.stop(), secrets.stop(), configMaps.stop()]);
        void started;
        void followStarted;
      },
    };
  };
  const stopLeading = async () => {
    leading = false;
    isLeader.set(0);
    const t = term;
    term = undefined;
    await t?.stop();
  };

  const elector =
    opts.leaderElect === false
      ? undefined
      : new LeaderElector({
          kubeConfig: kc,
          namespace: opts.namespace,
          name: opts.leaseName ?? 'tagpilot-operator',
          identity,
          log,
          onStartedLeading: startLeading,
          onStoppedLeading: stopLeading,
        });
  if (elector) elector.start();
  else await startLeading();

  log.info(
    { metricsPort: ops.port, identity, namespaces: namespaces.length ? namespaces : 'all' },
    'tagpilot-operator started',
  );

  return {
    webhookPort: () => webhook?.port,
    metricsPort: ops.port,
    ready,
    isLeader: () => leading,
    serving,
    async stop() {
      if (shuttingDown) return;
      shuttingDown = true;
      log.info({ delayMs: opts.shutdownDelayMs ?? 0 }, 'shutting down: not ready any more');
      // Endpoints drop a terminating Pod asynchronously; keep answering meanwhile.
      if (opts.shutdownDelayMs) await new Promise((r) => setTimeout(r, opts.shutdownDelayMs));
      if (elector) await elector.stop();
      else await stopLeading();
      await certChain;
      await webhook?.close(5_000);
      await Promise.all([images.stop(), certInformer.stop()]);
      await ops.close();
      log.info('tagpilot-operator stopped');
    },
  };
}
