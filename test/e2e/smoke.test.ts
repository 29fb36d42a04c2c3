import { AppsV1Api, ApiextensionsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { listTags, pushImage } from '../testenv/images.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import type { RegistryMode } from '../testenv/types.js';
import { waitFor } from '../testenv/wait.js';

// The environment itself under test: every later suite relies on these guarantees.
const env = inject('testenv');
const kc = adminKubeConfig(env);

describe('test environment smoke', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await createTestNamespace(env, 'smoke');
  });

  it('serves a CustomResourceDefinition and stores a custom resource', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const group = 'smoke.tagpilot.dev';
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await waitFor('the Widget CRD to be Established', async () => {
      const crd = await ext.readCustomResourceDefinition({ name: `widgets.${group}` });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const body = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } };
    await waitFor('the Widget API to accept objects', () =>
      custom
        .createNamespacedCustomObject({ group, version: 'v1', namespace, plural: 'widgets', body })
        .then(() => true),
    );
    const stored = (await custom.getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace,
      plural: 'widgets',
      name: 'w1',
    })) as {
      spec: { size: number };
    };
    expect(stored.spec.size).toBe(3);
    // The schema is enforced by the real apiserver.
    await expect(
      custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace,
        plural: 'widgets',
        body: { ...body, metadata: { name: 'w2' }, spec: { size: 0 } },
      }),
    ).rejects.toThrow(/spec.size/);
  });

  it('rolls out a Deployment whose Pods reach Running on the kwok node', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'example.test/web:v1.0.0' }] },
          },
        },
      },
    });
    const deployment = await waitFor(
      'Deployment web to become available',
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
        return d.status?.availableReplicas === 2 && d.status.updatedReplicas === 2 ? d : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(deployment.status?.readyReplicas).toBe(2);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toBe(env.nodeName);
      expect(pod.status?.phase).toBe('Running');
    }
  });

  it.each<RegistryMode>(['anonymous', 'basic', 'token'])(
    'pushes and lists tags on the %s registry with the right auth',
    async (mode) => {
      const registry = env.registries[mode];
      const repo = `smoke/${mode}`;
      const first = await pushImage(registry, repo, 'v1.0.0');
      const second = await pushImage(registry, repo, 'v1.1.0', { platforms: ['linux/amd64', 'linux/arm64'] });
      expect(first.digest).not.toBe(second.digest);
      expect((await listTags(registry, repo)).sort()).toEqual(['v1.0.0', 'v1.1.0']);
      const unauthenticated = await fetch(`http://${registry.host}/v2/${repo}/tags/list`);
      expect(unauthenticated.status).toBe(mode === 'anonymous' ? 200 : 401);
      if (mode !== 'anonymous') {
        const wrong = await fetch(`http://${registry.host}/v2/${repo}/tags/list`, {
          headers: { authorization: `Basic ${Buffer.from('tagpilot:wrong').toString('base64')}` },
        });
        expect(wrong.status).toBe(401);
      }
    },
  );

  it('delivers the registry push notification', async () => {
    const tag = `notify-${Date.now()}`;
    const pushed = await pushImage(env.registries.anonymous, 'smoke/notify', tag);
    const event = await waitFor('a push notification for smoke/notify', async () => {
      const events = (await (await fetch(`${env.notifications.url}/events`)).json()) as {
        action: string;
        target: { repository: string; tag?: string; digest: string };
      }[];
      return events.find(
        (e) => e.action === 'push' && e.target.repository === 'smoke/notify' && e.target.tag === tag,
      );
    });
    expect(event.target.digest).toBe(pushed.digest);
  });
});
