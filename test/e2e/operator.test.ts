// tagpilot-operator as it runs in a cluster: as its ServiceAccount under the shipped RBAC, two
// replicas behind one address (a TCP proxy standing in for the Service), one leader reconciling, both
// serving admission, and a hand-over when the leader stops.
import { createServer, connect, type Server, type Socket } from 'node:net';
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CoordinationV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IMAGE, type Image } from '../../crds/index.js';
import { freePort } from '../testenv/ports.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { waitFor } from '../testenv/wait.js';
import {
  applyControllerStatus,
  getImage,
  imageObject,
  OPERATOR_NAMESPACE,
  OPERATOR_SA,
  prepareCluster,
  readyOf,
  removeWebhookConfigurations,
  startTestOperator,
  waitUntilAdmitting,
  type TestOperator,
} from '../integration/operator/support.js';

const env = inject('testenv');
const admin = adminKubeConfig(env);
const core = admin.makeApiClient(CoreV1Api);
const custom = admin.makeApiClient(CustomObjectsApi);
let sa: KubeConfig;
let ns: string;
const replicas: TestOperator[] = [];

/** A round-robin TCP proxy: the Service in front of the replicas. Counts connections per backend. */
interface Proxy {
  url: string;
  connections: Map<number, number>;
  /** Cuts every open connection, so the apiserver's next call opens a new one. */
  dropAll(): void;
  close(): Promise<void>;
}

async function startProxy(backends: number[]): Promise<Proxy> {
  const connections = new Map<number, number>(backends.map((b) => [b, 0]));
  const sockets = new Set<Socket>();
  let next = 0;
  const server: Server = createServer((client) => {
    const port = backends[next++ % backends.length]!;
    connections.set(port, (connections.get(port) ?? 0) + 1);
    const upstream = connect({ host: '127.0.0.1', port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${port}`,
    connections,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function leaseHolder(): Promise<string | undefined> {
  const lease = await admin
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: OPERATOR_NAMESPACE, name: 'tagpilot-operator' });
  return lease.spec?.holderIdentity ?? undefined;
}

function createImage(name: string): Promise<unknown> {
  return custom.createNamespacedCustomObject({
    group: IMAGE.group,
    version: IMAGE.version,
    plural: IMAGE.plural,
    namespace: ns,
    body: imageObject(name, ns, { image: 'web' }),
  });
}

let proxy: Proxy | undefined;

beforeAll(async () => {
  await removeWebhookConfigurations(env);
  sa = await prepareCluster(env);
  ns = await createTestNamespace(env, 'op-e2e', { 'tagpilot.dev/webhook': 'enabled' });
  const ports = [await freePort(), await freePort()];
  proxy = await startProxy(ports);
  for (const [i, port] of ports.entries()) {
    replicas.push(
      await startTestOperator(sa, { port, webhookEndpoint: { url: proxy.url }, identity: `replica-${i}` }),
    );
  }
  // Both replicas serve once the leader has written the certificate.
  for (const r of replicas) await waitUntilAdmitting(env, { ...r, url: proxy.url });
});

afterAll(async () => {
  for (const r of replicas) await r.stop();
  await proxy?.close();
  await removeWebhookConfigurations(env);
});

describe('tagpilot-operator under its shipped RBAC', () => {
  it('authenticates as its ServiceAccount, without system:masters', async () => {
    const review = await sa.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe(
      `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SA}`,
    );
    expect(review.status?.userInfo?.groups).not.toContain('system:masters');
  });

  it.each([
    // What it must be able to do…
    [
      true,
      { group: 'tagpilot.dev', resource: 'images', subresource: 'status', verb: 'patch', namespace: 'any' },
    ],
    [true, { group: '', resource: 'secrets', verb: 'watch', namespace: 'any' }],
    [
      true,
      {
        group: '',
        resource: 'secrets',
        verb: 'update',
        namespace: OPERATOR_NAMESPACE,
        name: 'tagpilot-operator-webhook-tls',
      },
    ],
    [
      true,
      {
        group: 'admissionregistration.k8s.io',
        resource: 'mutatingwebhookconfigurations',
        verb: 'patch',
        name: 'tagpilot-operator',
      },
    ],
    // Annotation mode: it reads workloads and keeps managed Images.
    [true, { group: 'apps', resource: 'deployments', verb: 'watch', namespace: 'any' }],
    [true, { group: 'batch', resource: 'cronjobs', verb: 'list', namespace: 'any' }],
    [true, { group: 'tagpilot.dev', resource: 'images', verb: 'patch', namespace: 'any' }],
    [true, { group: 'tagpilot.dev', resource: 'images', verb: 'delete', namespace: 'any' }],
    // …and what it must not.
    [false, { group: 'tagpilot.dev', resource: 'alertconfigs', verb: 'update', namespace: 'any' }],
    [false, { group: '', resource: 'secrets', verb: 'update', namespace: 'any' }],
    [
      false,
      {
        group: '',
        resource: 'secrets',
        verb: 'update',
        namespace: OPERATOR_NAMESPACE,
        name: 'someone-elses',
      },
    ],
    [false, { group: 'apps', resource: 'deployments', verb: 'patch', namespace: 'any' }],
    [
      false,
      {
        group: 'admissionregistration.k8s.io',
        resource: 'mutatingwebhookconfigurations',
        verb: 'patch',
        name: 'another-webhook',
      },
    ],
    [false, { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'escalate' }],
  ])('allowed=%s for %j', async (allowed, resourceAttributes) => {
    const review = await sa
      .makeApiClient(AuthorizationV1Api)
      .createSelfSubjectAccessReview({ body: { spec: { resourceAttributes } } });
    expect(review.status?.allowed).toBe(allowed);
  });
});

describe('two replicas', () => {
  it('elects one leader, which reconciles, while both serve admission', async () => {
    const leaders = replicas.filter((r) => r.isLeader());
    expect(leaders).toHaveLength(1);
    await createImage('web');
    const img = await waitFor('Image web to be Ready', async () => {
      const i = await getImage(admin, ns, 'web');
      return readyOf(i)?.status === 'True' ? i : undefined;
    });
    expect(img.status?.observedGeneration).toBe(1);
    await applyControllerStatus(admin, ns, 'web', { tag: 'v3.1.0', result: 'Success' });
    // The proxy spreads new connections; the apiserver reuses connections, so a few creates with a
    // dropped connection between them reach both replicas.
    await waitFor(
      'both replicas to answer admission',
      async () => {
        const pod = await core.createNamespacedPod({
          namespace: ns,
          dryRun: 'All',
          body: { metadata: { name: 'probe' }, spec: { containers: [{ name: 'web', image: 'web:v1.0.0' }] } },
        });
        expect(pod.spec?.containers[0]?.image).toBe('web:v3.1.0');
        proxy!.dropAll();
        return [...proxy!.connections.values()].every((n) => n > 0);
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });

  it('hands over to the other replica when the leader stops', async () => {
    const leader = replicas.find((r) => r.isLeader())!;
    const follower = replicas.find((r) => r !== leader)!;
    await leader.stop();
    // The stopped leader released the Lease, so the follower takes over on its next retry.
    await waitFor('the follower to lead', () => follower.isLeader(), { timeoutMs: 30_000 });
    expect(await leaseHolder()).toMatch(/^replica-[01]$/);
    await createImage('after-handover');
    const img = await waitFor('the new leader to reconcile', async () => {
      const i: Image = await getImage(admin, ns, 'after-handover');
      return readyOf(i)?.status === 'True' ? i : undefined;
    });
    expect(readyOf(img)?.reason).toBe('Valid');
  });

  it('serves /healthz, /readyz and tagpilot_* metrics, and is not ready once stopping', async () => {
    const live = replicas.find((r) => r.ready())!;
    const base = `http://127.0.0.1:${live.metricsPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'tagpilot_admission_requests_total',
      'tagpilot_admission_duration_seconds',
      'tagpilot_operator_reconcile_total',
      'tagpilot_operator_leader',
      'tagpilot_operator_webhook_cert_not_after_seconds',
    ]) {
      expect(metrics).toContain(name);
    }
    const stopped = replicas.find((r) => r !== live)!;
    expect(stopped.ready()).toBe(false);
  });
});
