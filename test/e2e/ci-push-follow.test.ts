// CI pushes to annotated workloads (docs/without-custom-resources.md and docs/triggers.md "CI pushes"): no
// Image written by hand, the operator keeps the managed Images of Deployments annotated
// `tagpilot.dev/follow: newest-build` in two namespaces, and one signed generic hook moves them all to the
// pushed tag. The real registry, apiserver, operator (shipped RBAC) and controller.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IMAGE, type Image } from '../../crds/index.js';
import { pushImage } from '../testenv/images.js';
import { createTestNamespace } from '../testenv/kube.js';
import { startPrograms, type Programs } from '../testenv/programs.js';
import { waitFor } from '../testenv/wait.js';
import { Cluster } from '../integration/controller/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const SECRET = randomBytes(16).toString('hex');

let programs: Programs;
let base: string;
let nsA: string;
let nsB: string;

function hook(body: object): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(`${base}/v1/hooks/generic`, {
    method: 'POST',
    body: raw,
    headers: {
      'content-type': 'application/json',
      'x-tagpilot-signature': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
    },
  });
}

async function createDeployment(ns: string, name: string, image: string, follow?: string): Promise<void> {
  const labels = { app: name };
  await cluster.apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name, ...(follow ? { annotations: { 'tagpilot.dev/follow': follow } } : {}) },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'main', image }] } },
      },
    },
  });
}

async function managedImage(ns: string, workload: string): Promise<Image> {
  return waitFor(`the managed Image of ${ns}/${workload}`, async () => {
    const list = (await cluster.custom.listNamespacedCustomObject({
      group: IMAGE.group,
      version: IMAGE.version,
      plural: IMAGE.plural,
      namespace: ns,
      labelSelector: 'app.kubernetes.io/managed-by=tagpilot',
    })) as { items: Image[] };
    return list.items.find(
      (i) => i.metadata.annotations?.['tagpilot.dev/workload'] === `Deployment/${workload}`,
    );
  });
}

beforeAll(async () => {
  nsA = await createTestNamespace(env, 'ci-follow-a');
  nsB = await createTestNamespace(env, 'ci-follow-b');
  programs = await startPrograms(env, {
    operator: { namespaces: [nsA, nsB], followDefaultSchedule: '@every 10s', identity: 'ci-push-follow-e2e' },
    controller: {
      logName: 'ci-push-follow',
      namespaces: [nsA, nsB],
      ops: { host: '127.0.0.1', port: 0 },
      hookSecrets: { generic: [SECRET] },
      // Long caches: the scheduled checks every 10 s do not see the push; only the hook can.
      registry: { tagsTtlMs: 600_000, digestTtlMs: 600_000 },
    },
  });
  base = `http://127.0.0.1:${programs.controller.port}`;
});

afterAll(async () => {
  await programs?.stop();
});

describe('CI pushes to annotated workloads', () => {
  it('a signed generic hook with main-7f3a9c1 updates Deployments annotated newest-build in two namespaces; again changes nothing', async () => {
    const repo = `ci-follow-${randomBytes(3).toString('hex')}/web`;
    const image = `${anon.host}/${repo}`;
    await pushImage(anon, repo, 'main-1111111', { created: '2026-11-02T08:00:00Z' });
    for (const ns of [nsA, nsB]) await createDeployment(ns, 'web', `${image}:main-1111111`, 'newest-build');
    // Same repository, not annotated: nothing follows it.
    await createDeployment(nsA, 'plain', `${image}:main-1111111`);
    const managed = await Promise.all([nsA, nsB].map((ns) => managedImage(ns, 'web')));
    for (const m of managed) {
      expect(m.spec.rules.map((r) => r.type)).toEqual(['newest-build']);
      expect(m.spec.triggers.map((t) => t.type)).toContain('webhook');
    }
    for (const m of managed)
      await cluster.waitForStatus(
        m.metadata.namespace!,
        m.metadata.name!,
        'first check',
        (s) => s.result === 'Success' && s.tag === 'main-1111111',
      );

    await pushImage(anon, repo, 'main-7f3a9c1', { created: '2026-11-02T09:00:00Z' });
    const res = await hook({ repository: image, tag: 'main-7f3a9c1' });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { triggered: number; matched: number; results: object[] };
    expect(answer).toMatchObject({ triggered: 2, matched: 2 });
    expect(answer.results).toEqual(
      expect.arrayContaining(
        managed.map((m) =>
          expect.objectContaining({
            image: `${m.metadata.namespace}/${m.metadata.name}`,
            tag: 'main-7f3a9c1',
            accepted: true,
          }),
        ),
      ),
    );
    for (const m of managed) {
      const ns = m.metadata.namespace!;
      const status = await cluster.waitForStatus(
        ns,
        m.metadata.name!,
        'main-7f3a9c1',
        (s) => s.tag === 'main-7f3a9c1',
      );
      expect(status.history?.[0]).toMatchObject({ tag: 'main-7f3a9c1' });
      expect(await cluster.deploymentImage(ns, 'web')).toBe(`${image}:main-7f3a9c1`);
    }
    expect(await cluster.deploymentImage(nsA, 'plain')).toBe(`${image}:main-1111111`);

    // The same call again: accepted, evaluated, and nothing changes.
    await programs.controller.idle();
    const before = await Promise.all(
      managed.map((m) => cluster.getImage(m.metadata.namespace!, m.metadata.name!)),
    );
    const again = await hook({ repository: image, tag: 'main-7f3a9c1' });
    expect(again.status).toBe(202);
    await programs.controller.idle();
    for (const [i, m] of managed.entries()) {
      const now = await cluster.getImage(m.metadata.namespace!, m.metadata.name!);
      expect(now.status?.tag).toBe('main-7f3a9c1');
      expect(now.status?.history).toHaveLength(before[i]!.status?.history?.length ?? 0);
      expect(await cluster.deploymentImage(m.metadata.namespace!, 'web')).toBe(`${image}:main-7f3a9c1`);
    }
    expect(await cluster.deploymentImage(nsA, 'plain')).toBe(`${image}:main-1111111`);
  });
});
