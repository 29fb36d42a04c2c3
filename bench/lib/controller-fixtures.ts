// The controller bench's cluster and registry: `images` Images over images/perRepo repositories, spread
// over `namespaces` namespaces, each with its own Deployment.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { ImageSpec } from '../../crds/index.js';
import { pushTags } from '../../test/testenv/images.js';
import type { RegistryInfo } from '../../test/testenv/types.js';
import { createAll } from './fixtures.js';

/** Creates in flight (the test apiserver serves 400 at once; 32 keeps its 2 shared cores busy). */
const CREATES_IN_FLIGHT = 32;
/** Repositories pushed at once (each push is 3–7 requests to the local registry). */
const PUSHES_IN_FLIGHT = 16;

export interface Fixtures {
  repos: string[];
  apps: AppsV1Api;
}

/** Every repository gets `v1.0.0`; every Image follows its repository with semver-minor + apply. */
export async function createFixtures(
  kc: KubeConfig,
  registry: RegistryInfo,
  opts: {
    images: number;
    perRepo: number;
    namespaces: number;
    replicas: number;
    /** Whether the Images keep the health gate on (the default) or turn it off. */
    healthGate?: boolean;
    log: (m: string) => void;
  },
): Promise<Fixtures> {
  const { images, perRepo, replicas, log } = opts;
  const repos = Array.from({ length: images / perRepo }, (_, i) => `bench/r${String(i).padStart(3, '0')}`);
  await pushAll(registry, repos, 'v1.0.0', log);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = kc.makeApiClient(AppsV1Api);
  const namespaces = Array.from({ length: opts.namespaces }, (_, i) => `bench-${i}`);
  for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
  const specs = repos.flatMap((repo, r) =>
    Array.from({ length: perRepo }, (_, k) => ({
      repo,
      name: `img-${r}-${k}`,
      namespace: namespaces[(r * perRepo + k) % namespaces.length]!,
    })),
  );
  await createAll(
    `creating ${images} Images`,
    specs,
    CREATES_IN_FLIGHT,
    ({ repo, name, namespace }) => {
      const spec: ImageSpec = {
        image: `${registry.host}/${repo}`,
        baseTag: 'v1.0.0',
        triggers: [{ type: 'crontab', value: '* * * * *' }],
        rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
        ...(opts.healthGate === false ? { healthGate: { enabled: false } } : {}),
      };
      return custom.createNamespacedCustomObject({
        group: 'tagpilot.dev',
        version: 'v1alpha1',
        plural: 'images',
        namespace,
        body: { apiVersion: 'tagpilot.dev/v1alpha1', kind: 'Image', metadata: { name, namespace }, spec },
      });
    },
    log,
  );
  // One Deployment per Image: Image img-R-K is the only one of its namespace on repository R, so apply
  // patches exactly its Deployment.
  await createAll(
    `creating ${images} Deployments (${replicas} replicas each)`,
    specs,
    CREATES_IN_FLIGHT,
    ({ repo, name, namespace }) => {
      const labels = { app: name };
      return apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name, labels },
          spec: {
            replicas,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: { containers: [{ name: 'app', image: `${registry.host}/${repo}:v1.0.0` }] },
            },
          },
        },
      });
    },
    log,
  );
  return { repos, apps };
}

/** Pushes `tag` to every repository, a bounded number at once. */
export function pushAll(
  registry: RegistryInfo,
  repos: readonly string[],
  tag: string,
  log: (m: string) => void,
): Promise<void> {
  return createAll(
    `pushing ${tag} to ${repos.length} repositories`,
    repos,
    PUSHES_IN_FLIGHT,
    (repo) => pushTags(registry, repo, [tag]),
    log,
  );
}
