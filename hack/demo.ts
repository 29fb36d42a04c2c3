// The `make run` demo on the embedded cluster: a Deployment running web:1.0.0, an Image that follows it
// with the semver-minor rule, then a push of 1.1.0 to the local registry — and the update happening,
// printed step by step as the Image status and the Deployment change. hack/run.ts calls runDemo once
// both programs run. Every wait is bounded and says what it waited for when it gives up.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { errorMessage } from '../common/errors.js';
import { pushImage } from '../test/testenv/images.js';
import type { RegistryInfo } from '../test/testenv/types.js';

export interface DemoOptions {
  /** Path of a kubeconfig, or a loaded one. */
  kubeconfig: string | KubeConfig;
  /** A registry the demo can push to without credentials (the embedded anonymous one). */
  registry: RegistryInfo;
  log: (line: string) => void;
  namespace?: string;
  /** Upper bound of each wait; the first check waits for the controller's first tick. */
  timeoutMs?: number;
  /**
   * The registry's push notifications reach the controller (make run forwards them): the demo then lets
   * the push itself trigger the check. Otherwise it asks for one with the refresh annotation.
   */
  pushNotifications?: boolean;
}

export interface DemoResult {
  namespace: string;
  image: string;
  from: string;
  to: string;
}

interface ImageStatus {
  tag?: string;
  result?: string;
  message?: string;
}

const FIELD_MANAGER = 'tagpilot-demo';

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const kc = typeof opts.kubeconfig === 'string' ? loadFile(opts.kubeconfig) : opts.kubeconfig;
  const namespace = opts.namespace ?? 'demo';
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const log = (line: string) => opts.log(`[demo] ${line}`);
  // Per namespace, so a second demo against the same registry starts from 1.0.0 again.
  const repo = `${namespace}/web`;
  const ref = `${opts.registry.host}/${repo}`;
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const image = { group: 'tagpilot.dev', version: 'v1alpha1', namespace, plural: 'images', name: 'web' };

  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((err: unknown) => {
    if ((err as { code?: number }).code !== 409) throw err;
  });
  log(`pushing ${ref}:1.0.0 to the local registry`);
  await pushImage(opts.registry, repo, '1.0.0');

  log(`Deployment ${namespace}/web runs ${ref}:1.0.0`);
  await apps.patchNamespacedDeployment(
    {
      name: 'web',
      namespace,
      fieldManager: FIELD_MANAGER,
      force: true,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: `${ref}:1.0.0` }] },
          },
        },
      },
    },
    apply,
  );

  log(
    `Image ${namespace}/web follows ${ref}: newest 1.x (semver-minor), checked every 10s, applied to the Deployment`,
  );
  await custom.patchNamespacedCustomObject(
    {
      ...image,
      fieldManager: FIELD_MANAGER,
      force: true,
      body: {
        apiVersion: 'tagpilot.dev/v1alpha1',
        kind: 'Image',
        metadata: { name: 'web', namespace },
        spec: {
          image: ref,
          baseTag: '1.0.0',
          triggers: [{ type: 'crontab', value: '@every 10s' }, { type: 'webhook' }],
          rules: [{ name: 'minor updates', type: 'semver-minor', actions: [{ type: 'apply' }] }],
        },
      },
    },
    apply,
  );

  const status = async (): Promise<ImageStatus> =>
    ((await custom.getNamespacedCustomObject(image)) as { status?: ImageStatus }).status ?? {};
  const deploymentImage = async () =>
    (await apps.readNamespacedDeployment({ name: 'web', namespace })).spec?.template.spec?.containers[0]
      ?.image;

  let last = '';
  const report = (s: ImageStatus) => {
    const line = `Image ${namespace}/web: tag ${s.tag ?? '-'}, result ${s.result ?? '-'}${s.message ? ` — ${s.message}` : ''}`;
    if (line !== last) log(line);
    last = line;
  };
  await until(`the controller's first check of Image ${namespace}/web`, timeoutMs, log, async () => {
    const s = await status();
    report(s);
    return s.tag === '1.0.0' && s.result === 'Success';
  });

  log(`pushing ${ref}:1.1.0 — a new minor version`);
  await pushImage(opts.registry, repo, '1.1.0', { seed: 'demo-1.1.0' });
  if (opts.pushNotifications) {
    log('the registry notifies the controller of the push (POST /v1/hooks/distribution): it checks now');
  } else {
    // Ask for an evaluation now instead of waiting for the next tick (the annotation is removed after).
    await custom.patchNamespacedCustomObject(
      { ...image, body: { metadata: { annotations: { 'tagpilot.dev/refresh': new Date().toISOString() } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    log('annotated the Image with tagpilot.dev/refresh to check now');
  }

  let lastImage = '';
  await until(`Deployment ${namespace}/web to run ${ref}:1.1.0`, timeoutMs, log, async () => {
    report(await status());
    const current = await deploymentImage();
    if (current && current !== lastImage) log(`Deployment ${namespace}/web: image ${current}`);
    lastImage = current ?? '';
    return current === `${ref}:1.1.0`;
  });
  await until(`Deployment ${namespace}/web to roll out`, timeoutMs, log, async () => {
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
    const s = d.status;
    const done =
      (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
      s?.updatedReplicas === d.spec?.replicas &&
      s?.availableReplicas === d.spec?.replicas;
    return done;
  });
  log(`Deployment ${namespace}/web rolled out ${ref}:1.1.0`);
  log(`try: kubectl get images -A    kubectl describe image web -n ${namespace}`);
  return { namespace, image: ref, from: '1.0.0', to: '1.1.0' };
}

function loadFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Polls `check` every second; says it is still waiting every 30 s, so a slow step never looks hung. */
async function until(
  what: string,
  timeoutMs: number,
  log: (line: string) => void,
  check: () => Promise<boolean>,
): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let nextNote = started + 30_000;
  let lastError = '';
  while (Date.now() < deadline) {
    if (Date.now() >= nextNote) {
      log(`still waiting for ${what} (${Math.round((Date.now() - started) / 1000)} s so far)`);
      nextNote += 30_000;
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = errorMessage(err);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(
    `demo: gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}; the programs' logs above say why`,
  );
}
