// One real update, end to end, as the install suites drive it against running programs: a Deployment on
// repo:1.0.0, an Image following it with a semver-minor `apply` rule on a 10 s crontab, then a push of
// 1.1.0 that must reach the Image status and the Deployment. The caller asserts on what it returns.
import { randomBytes } from 'node:crypto';
import { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { pushImage } from './images.js';
import { adminKubeConfig } from './kube.js';
import type { RegistryInfo, TestEnvInfo } from './types.js';
import { waitFor } from './wait.js';

export interface ImageStatus {
  tag?: string;
  result?: string;
  message?: string;
  conditions?: { type: string; status: string; reason?: string }[];
}

export interface UpdateOutcome {
  /** `registry/repo` the Image follows. */
  ref: string;
  /** Status once the operator marked the Image Ready. */
  ready: ImageStatus;
  /** Status once the controller moved the Image to 1.1.0. */
  updated: ImageStatus;
  /** The Deployment's container image after the update. */
  deploymentImage: string | undefined;
}

/**
 * Runs the update in `namespace` (which the programs must watch). `explain` decorates a timeout with
 * what helps to debug it, typically the programs' output.
 */
export async function completeOneUpdate(
  env: TestEnvInfo,
  namespace: string,
  opts: { registry?: RegistryInfo; repoPrefix?: string; explain?: (err: Error) => Error } = {},
): Promise<UpdateOutcome> {
  const kc = adminKubeConfig(env);
  const registry = opts.registry ?? env.registries.anonymous;
  const repo = `${opts.repoPrefix ?? 'update'}-${randomBytes(3).toString('hex')}/web`;
  const ref = `${registry.host}/${repo}`;
  const explain = opts.explain ?? ((err: Error) => err);
  await pushImage(registry, repo, '1.0.0');
  const apps = kc.makeApiClient(AppsV1Api);
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: `${ref}:1.0.0` }] },
        },
      },
    },
  });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const image = { group: 'tagpilot.dev', version: 'v1alpha1', namespace, plural: 'images' };
  await custom.createNamespacedCustomObject({
    ...image,
    body: {
      apiVersion: 'tagpilot.dev/v1alpha1',
      kind: 'Image',
      metadata: { name: 'web' },
      spec: {
        image: ref,
        baseTag: '1.0.0',
        triggers: [{ type: 'crontab', value: '@every 10s' }],
        rules: [{ name: 'minor updates', type: 'semver-minor', actions: [{ type: 'apply' }] }],
      },
    },
  });
  const status = async () =>
    ((await custom.getNamespacedCustomObject({ ...image, name: 'web' })) as { status?: ImageStatus }).status;

  try {
    // The operator validated and accepted it.
    const ready = await waitFor(
      'the operator to mark the Image Ready',
      async () => {
        const s = await status();
        return s?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
      },
      { timeoutMs: 60_000 },
    );
    // The controller saw 1.0.0 first; a push of 1.1.0 is picked up on a later tick and applied.
    await waitFor('the controller to check the Image', async () => (await status())?.tag === '1.0.0', {
      timeoutMs: 60_000,
    });
    await pushImage(registry, repo, '1.1.0');
    const updated = await waitFor(
      'the Image status to move to 1.1.0',
      async () => {
        const s = await status();
        return s?.tag === '1.1.0' ? s : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const deployment = await waitFor('the Deployment to run 1.1.0', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return d.spec?.template.spec?.containers[0]?.image === `${ref}:1.1.0` ? d : undefined;
    });
    return {
      ref,
      ready,
      updated,
      deploymentImage: deployment.spec?.template.spec?.containers[0]?.image,
    };
  } catch (err) {
    throw explain(err as Error);
  }
}
