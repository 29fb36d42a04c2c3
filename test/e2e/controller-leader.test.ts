// Two controller replicas: replica A is the real program (controller/main.ts in a child process), B runs
// in-process. Only the Lease holder acts; a follower hands webhooks to the leader; when A is SIGKILLed
// (no chance to release the Lease), B takes over once the Lease expires.
import { createHmac, randomBytes } from 'node:crypto';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startController, type Controller } from '../../controller/main.js';
import { REFRESH_ANNOTATION } from '../../crds/index.js';
import { startControllerProcess, type ControllerProcess } from '../testenv/controller-process.js';
import { pushImage } from '../testenv/images.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { waitFor } from '../testenv/wait.js';
import {
  CONTROLLER_NAMESPACE,
  Cluster,
  controllerKubeConfig,
  imageSpec,
  testLogger,
} from '../integration/controller/support.js';

const env = inject('testenv');
const cluster = new Cluster(env);
const leases = adminKubeConfig(env).makeApiClient(CoordinationV1Api);
const LEASE = 'tagpilot-controller';
const LEASE_SECONDS = 4;
const HOOK_SECRET = randomBytes(12).toString('hex');
const anon = env.registries.anonymous;

let ns: string;
let a: ControllerProcess | undefined;
let b: Controller | undefined;

async function holder(): Promise<{ holder?: string; transitions?: number }> {
  const lease = await leases.readNamespacedLease({ namespace: CONTROLLER_NAMESPACE, name: LEASE });
  return { holder: lease.spec?.holderIdentity, transitions: lease.spec?.leaseTransitions };
}

/** Reporting instances of the Events on an Image: which replica acted. */
async function actors(name: string): Promise<Set<string>> {
  const list = await cluster.core.listNamespacedEvent({
    namespace: ns,
    fieldSelector: `involvedObject.kind=Image,involvedObject.name=${name}`,
  });
  return new Set(list.items.map((e) => e.reportingInstance ?? ''));
}

beforeAll(async () => {
  const kc = await controllerKubeConfig(env);
  ns = await createTestNamespace(env, 'ctl-leader');
  await leases.deleteNamespacedLease({ namespace: CONTROLLER_NAMESPACE, name: LEASE }).catch(() => undefined);

  a = await startControllerProcess(env, {
    name: `controller-replica-a-${ns}`,
    kubeConfig: kc,
    namespaces: [ns],
    args: [
      '--leader-elect=true',
      `--leader-election-namespace=${CONTROLLER_NAMESPACE}`,
      `--lease-duration=${LEASE_SECONDS}s`,
      '--registry-cache-ttl=1s',
      '--cron-jitter=0s',
    ],
    env: { POD_NAME: 'replica-a', TAGPILOT_HOOK_SECRET_GENERIC: HOOK_SECRET },
    waitReady: false,
  });
  await waitFor(
    'replica A to hold the Lease',
    async () => (await holder().catch(() => ({ holder: undefined }))).holder === 'replica-a',
    {
      timeoutMs: 60_000,
    },
  );

  b = await startController({
    kubeConfig: kc,
    namespaces: [ns],
    leaderElection: {
      namespace: CONTROLLER_NAMESPACE,
      identity: 'replica-b',
      leaseDurationSeconds: LEASE_SECONDS,
      retryPeriodMs: 800,
    },
    ops: { host: '127.0.0.1', port: 0 },
    hookSecrets: { generic: [HOOK_SECRET] },
    registry: { tagsTtlMs: 1_000, digestTtlMs: 1_000 },
    cronJitterMs: 0,
    log: testLogger(env, 'replica-b'),
  });
});

afterAll(async () => {
  await a?.kill();
  await b?.stop();
});

describe('two controller replicas', () => {
  it('only the leader acts; a follower hands webhooks to it; the other takes over when the leader is killed', async () => {
    const repo = `leader-${randomBytes(3).toString('hex')}/app`;
    await pushImage(anon, repo, 'v1.0.0');
    await cluster.createImage(ns, 'app', imageSpec(anon, repo, { baseTag: 'v1.0.0' }));
    await pushImage(anon, repo, 'v1.1.0');
    await cluster.waitForStatus(ns, 'app', 'v1.1.0 from the leader', (s) => s.tag === 'v1.1.0');
    expect(await actors('app')).toEqual(new Set(['replica-a']));
    expect(b!.isLeader()).toBe(false);
    expect(b!.stats().evaluations).toBe(0);

    // A webhook that lands on the follower reaches the leader through the refresh annotation.
    const hookRepo = `leader-${randomBytes(3).toString('hex')}/hooked`;
    await pushImage(anon, hookRepo, 'v1.0.0');
    await cluster.createImage(ns, 'hooked', {
      ...imageSpec(anon, hookRepo, { baseTag: 'v1.0.0' }),
      triggers: [{ type: 'webhook' }],
    });
    await cluster.waitForStatus(ns, 'hooked', 'first check', (s) => s.result === 'Success');
    await pushImage(anon, hookRepo, 'v1.0.1');
    const body = JSON.stringify({ repository: `${anon.host}/${hookRepo}`, tag: 'v1.0.1' });
    const res = await fetch(`http://127.0.0.1:${b!.port}/v1/hooks/generic`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-tagpilot-signature': `sha256=${createHmac('sha256', HOOK_SECRET).update(body).digest('hex')}`,
      },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ triggered: 1 });
    await cluster.waitForStatus(ns, 'hooked', 'v1.0.1 via the follower', (s) => s.tag === 'v1.0.1');
    await waitFor('the refresh annotation to be removed', async () => {
      const img = await cluster.getImage(ns, 'hooked');
      return img.metadata.annotations?.[REFRESH_ANNOTATION] === undefined;
    });
    expect(b!.stats().evaluations).toBe(0);

    // Kill the leader: it cannot release the Lease, so B waits for it to expire, then acts.
    const before = await holder();
    await a!.kill();
    await waitFor('replica B to take over', () => b!.isLeader(), {
      timeoutMs: LEASE_SECONDS * 5_000,
      intervalMs: 100,
    });
    const after = await holder();
    expect(after.holder).toBe('replica-b');
    expect(after.transitions).toBe((before.transitions ?? 0) + 1);

    await pushImage(anon, repo, 'v1.2.0');
    await cluster.waitForStatus(ns, 'app', 'v1.2.0 from the new leader', (s) => s.tag === 'v1.2.0');
    expect(await actors('app')).toEqual(new Set(['replica-a', 'replica-b']));
    expect(b!.stats().evaluations).toBeGreaterThan(0);
  });
});
