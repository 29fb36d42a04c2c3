// Shared by the controller's integration and e2e tests: the shipped RBAC bound to a real ServiceAccount,
// Image fixtures, and waiting on status.
import { mkdirSync } from 'node:fs';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1ClusterRole,
  type V1Deployment,
  type V1Role,
} from '@kubernetes/client-node';
import { destination, pino, type Logger } from 'pino';
import { parseAllDocuments } from 'yaml';
import type { Image, ImageSpec, ImageStatus } from '../../../crds/index.js';
import { installCRDs } from '../../testenv/crds.js';
import { adminKubeConfig, ignoreConflict, serviceAccountKubeConfig } from '../../testenv/kube.js';
import type { RegistryInfo, TestEnvInfo } from '../../testenv/types.js';
import { waitFor } from '../../testenv/wait.js';

export const CONTROLLER_NAMESPACE = 'tagpilot-system';
export const CONTROLLER_SA = 'tagpilot-controller';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The controller's roles exactly as config/rbac/controller*.yaml ship them. */
export function controllerRoles(): (V1ClusterRole | V1Role)[] {
  const dir = join(root, 'config/rbac');
  return readdirSync(dir)
    .filter((f) => /^controller.*\.ya?ml$/.test(f))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as V1ClusterRole | V1Role),
    )
    .filter((o) => o && (o.kind === 'ClusterRole' || o.kind === 'Role'));
}

/**
 * Installs the CRDs and the controller's shipped RBAC, bound to the ServiceAccount
 * tagpilot-system/tagpilot-controller, and returns a KubeConfig that authenticates as it: the tests run
 * the controller with exactly the permissions a cluster install gives it.
 */
export async function controllerKubeConfig(env: TestEnvInfo): Promise<KubeConfig> {
  await installCRDs(env);
  const rbac = adminKubeConfig(env).makeApiClient(RbacAuthorizationV1Api);
  const kc = await serviceAccountKubeConfig(env, CONTROLLER_NAMESPACE, CONTROLLER_SA);
  const subjects = [{ kind: 'ServiceAccount', name: CONTROLLER_SA, namespace: CONTROLLER_NAMESPACE }];
  for (const role of controllerRoles()) {
    const name = role.metadata!.name!;
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind!, name };
    if (role.kind === 'ClusterRole') {
      await rbac.createClusterRole({ body: role }).catch(async (err: unknown) => {
        ignoreConflict(err);
        await rbac.replaceClusterRole({ name, body: role });
      });
      await rbac
        .createClusterRoleBinding({ body: { metadata: { name }, roleRef, subjects } })
        .catch(ignoreConflict);
    } else {
      const body = { ...role, metadata: { ...role.metadata, namespace: CONTROLLER_NAMESPACE } };
      await rbac
        .createNamespacedRole({ namespace: CONTROLLER_NAMESPACE, body })
        .catch(async (err: unknown) => {
          ignoreConflict(err);
          await rbac.replaceNamespacedRole({ namespace: CONTROLLER_NAMESPACE, name, body });
        });
      await rbac
        .createNamespacedRoleBinding({
          namespace: CONTROLLER_NAMESPACE,
          body: { metadata: { name, namespace: CONTROLLER_NAMESPACE }, roleRef, subjects },
        })
        .catch(ignoreConflict);
    }
  }
  return kc;
}

/** A logger that writes the controller's lines to a file in the environment's log directory. */
export function testLogger(env: TestEnvInfo, name: string): Logger {
  mkdirSync(env.logDir, { recursive: true });
  return pino(
    { level: process.env.TAGPILOT_TEST_LOG_LEVEL ?? 'debug', base: { test: name } },
    destination({ dest: join(env.logDir, `controller-${name}.log`), sync: true }),
  );
}

export class Cluster {
  readonly kc: KubeConfig;
  readonly custom: CustomObjectsApi;
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;

  constructor(env: TestEnvInfo) {
    this.kc = adminKubeConfig(env);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.apps = this.kc.makeApiClient(AppsV1Api);
    this.core = this.kc.makeApiClient(CoreV1Api);
  }

  async createImage(
    namespace: string,
    name: string,
    spec: ImageSpec,
    annotations?: Record<string, string>,
  ): Promise<Image> {
    return (await this.custom.createNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
      namespace,
      body: {
        apiVersion: 'tagpilot.dev/v1alpha1',
        kind: 'Image',
        metadata: { name, namespace, annotations },
        spec,
      },
    })) as Image;
  }

  async getImage(namespace: string, name: string): Promise<Image> {
    return (await this.custom.getNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
      namespace,
      name,
    })) as Image;
  }

  async patchImage(namespace: string, name: string, body: object): Promise<Image> {
    const { PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
    return (await this.custom.patchNamespacedCustomObject(
      { group: 'tagpilot.dev', version: 'v1alpha1', plural: 'images', namespace, name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Image;
  }

  /** Waits until the Image's status satisfies `check`; the error names the last status seen. */
  async waitForStatus(
    namespace: string,
    name: string,
    what: string,
    check: (s: ImageStatus) => boolean,
    timeoutMs = 90_000,
  ): Promise<ImageStatus> {
    let last: ImageStatus | undefined;
    try {
      return await waitFor(
        `Image ${namespace}/${name}: ${what}`,
        async () => {
          last = (await this.getImage(namespace, name)).status;
          return last && check(last) ? last : undefined;
        },
        { timeoutMs, intervalMs: 250 },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last)}`);
    }
  }

  async createDeployment(
    namespace: string,
    name: string,
    image: string,
    replicas = 1,
  ): Promise<V1Deployment> {
    const labels = { app: name };
    return this.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'main', image }] } },
        },
      },
    });
  }

  async deploymentImage(namespace: string, name: string): Promise<string | undefined> {
    const d = await this.apps.readNamespacedDeployment({ namespace, name });
    return d.spec?.template.spec?.containers[0]?.image;
  }

  /** Event reasons recorded on an object. */
  async eventReasons(namespace: string, kind: string, name: string): Promise<string[]> {
    const list = await this.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
    });
    return list.items.map((e) => e.reason ?? '');
  }

  async createPullSecret(
    namespace: string,
    name: string,
    registry: RegistryInfo,
    password = registry.password,
  ): Promise<void> {
    const auth = Buffer.from(`${registry.username}:${password}`).toString('base64');
    const config = { auths: { [registry.host]: { auth } } };
    await this.core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
      },
    });
  }
}

/** An Image spec for a repository on a test registry: a fast cron, one rule, the given actions. */
export function imageSpec(
  registry: RegistryInfo,
  repo: string,
  over: Partial<ImageSpec> & {
    rule?: ImageSpec['rules'][number]['type'];
    actions?: ImageSpec['rules'][number]['actions'];
  } = {},
): ImageSpec {
  const { rule = 'semver-minor', actions = [{ type: 'apply' }], ...rest } = over;
  return {
    image: `${registry.host}/${repo}`,
    triggers: [{ type: 'crontab', value: '@every 10s' }],
    rules: [{ type: rule, actions }],
    ...rest,
  };
}
