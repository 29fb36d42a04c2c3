// tagpilot-controller end to end: the real apiserver, kube-controller-manager and kwok roll Deployments
// out; real Distribution registries serve tags; the controller runs in-process as its ServiceAccount with
// the shipped RBAC.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../controller/main.js';
import { REFRESH_ANNOTATION } from '../../crds/index.js';
import { pushImage } from '../testenv/images.js';
import { createTestNamespace } from '../testenv/kube.js';
import { createStateDir } from '../testenv/procs.js';
import { startRegistry, type RunningRegistry } from '../testenv/registry.js';
import { quickRegistry, startTestController } from '../testenv/programs.js';
import { waitFor } from '../testenv/wait.js';
import { Cluster, imageSpec } from '../integration/controller/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const uid = () => randomBytes(3).toString('hex');

let ns: string;
let controller: Controller;

beforeAll(async () => {
  ns = await createTestNamespace(env, 'ctl');
  controller = await startTestController(env, {
    logName: 'e2e',
    namespaces: [ns],
    ops: { host: '127.0.0.1', port: 0 },
    registry: quickRegistry,
    cronJitterMs: 500,
    retryBaseMs: 500,
    retryMaxMs: 5_000,
  });
});

afterAll(async () => {
  await controller?.stop();
});

/** Pods of a Deployment that run `image` and are Running on the kwok node. */
async function runningPodsWith(namespace: string, app: string, image: string): Promise<number> {
  const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items.filter(
    (p) =>
      p.status?.phase === 'Running' &&
      !p.metadata?.deletionTimestamp &&
      p.spec?.containers[0]?.image === image,
  ).length;
}

describe('tagpilot-controller', () => {
  it('semver-minor: a cron tick moves the Deployment from v1.0.0 to v1.1.0 (not v2.0.0) and it rolls out', async () => {
    const repo = `ctl-${uid()}/web`;
    const ref = `${anon.host}/${repo}`;
    await pushImage(anon, repo, 'v1.0.0');
    await cluster.createDeployment(ns, 'web', `${ref}:v1.0.0`, 2);
    await cluster.createImage(
      ns,
      'web',
      imageSpec(anon, repo, { baseTag: 'v1.0.0', actions: [{ type: 'apply' }] }),
    );

    const first = await cluster.waitForStatus(ns, 'web', 'first check', (s) => s.result === 'Success');
    expect(first.tag).toBe('v1.0.0');
    expect(first.digest).toMatch(/^sha256:/);
    expect(first.conditions?.find((c) => c.type === 'UpToDate')?.status).toBe('True');

    await pushImage(anon, repo, 'v1.1.0');
    await pushImage(anon, repo, 'v2.0.0');
    const updated = await cluster.waitForStatus(
      ns,
      'web',
      'tag v1.1.0 after a cron tick',
      (s) => s.tag === 'v1.1.0',
    );
    expect(updated.result).toBe('Success');
    expect(updated.message).toMatch(/v1\.0\.0 → v1\.1\.0/);
    expect(updated.history?.[0]).toMatchObject({ tag: 'v1.1.0', rule: 'semver-minor' });
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:v1.1.0`);

    // A new ReplicaSet rolls out and its Pods run on the kwok node.
    await waitFor(
      'two Running Pods on v1.1.0',
      async () => (await runningPodsWith(ns, 'web', `${ref}:v1.1.0`)) === 2,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const sets = await cluster.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=web' });
    const images = sets.items.map((rs) => rs.spec?.template?.spec?.containers[0]?.image).sort();
    expect(images).toEqual([`${ref}:v1.0.0`, `${ref}:v1.1.0`]);

    expect(await cluster.eventReasons(ns, 'Deployment', 'web')).toContain('ImageUpdated');
    const imageEvents = await cluster.eventReasons(ns, 'Image', 'web');
    expect(imageEvents).toEqual(expect.arrayContaining(['NewTag', 'Applied']));

    // The health gate (on by default) confirms the rollout: one more write, then the Image is quiet.
    const confirmed = await cluster.waitForStatus(
      ns,
      'web',
      'Healthy=True',
      (s) => s.conditions?.find((c) => c.type === 'Healthy')?.status === 'True',
    );
    expect(confirmed.rollout).toBeUndefined();

    // Later ticks find nothing newer (v2.0.0 is another major) and do not write at all: the message keeps
    // telling the last change.
    const before = await cluster.getImage(ns, 'web');
    const evaluated = controller.stats().evaluations;
    await new Promise((r) => setTimeout(r, 12_000));
    const after = await cluster.getImage(ns, 'web');
    expect(controller.stats().evaluations).toBeGreaterThan(evaluated); // ticks did happen
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('digest: a re-pushed latest rolls the workload to latest@sha256:<new>', async () => {
    const repo = `ctl-${uid()}/api`;
    const ref = `${anon.host}/${repo}`;
    const old = await pushImage(anon, repo, 'latest', { seed: 'one' });
    await cluster.createDeployment(ns, 'api', `${ref}:latest`);
    await cluster.createImage(
      ns,
      'api',
      imageSpec(anon, repo, { rule: 'digest', baseTag: 'latest', actions: [{ type: 'apply' }] }),
    );
    const first = await cluster.waitForStatus(ns, 'api', 'first observation', (s) => s.result === 'Success');
    expect(first).toMatchObject({ tag: 'latest', digest: old.digest });
    // The first observation records the digest and changes nothing.
    expect(await cluster.deploymentImage(ns, 'api')).toBe(`${ref}:latest`);

    const fresh = await pushImage(anon, repo, 'latest', { seed: 'two' });
    expect(fresh.digest).not.toBe(old.digest);
    const moved = await cluster.waitForStatus(ns, 'api', 'the new digest', (s) => s.digest === fresh.digest);
    expect(moved.history?.[0]).toMatchObject({ tag: 'latest', digest: fresh.digest, rule: 'digest' });
    expect(await cluster.deploymentImage(ns, 'api')).toBe(`${ref}:latest@${fresh.digest}`);
    await waitFor(
      'a Running Pod on the pinned digest',
      async () => (await runningPodsWith(ns, 'api', `${ref}:latest@${fresh.digest}`)) === 1,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  });

  it('restart: a new digest restarts the rollout with the kubectl annotation', async () => {
    const repo = `ctl-${uid()}/worker`;
    const ref = `${anon.host}/${repo}`;
    await pushImage(anon, repo, 'stable', { seed: 'a' });
    await cluster.createDeployment(ns, 'worker', `${ref}:stable`);
    await cluster.createImage(
      ns,
      'worker',
      imageSpec(anon, repo, { rule: 'digest', baseTag: 'stable', actions: [{ type: 'restart' }] }),
    );
    await cluster.waitForStatus(ns, 'worker', 'first observation', (s) => s.result === 'Success');
    const fresh = await pushImage(anon, repo, 'stable', { seed: 'b' });
    await cluster.waitForStatus(ns, 'worker', 'the new digest', (s) => s.digest === fresh.digest);
    const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: 'worker' });
    expect(d.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-/);
    // restart does not touch the reference
    expect(d.spec?.template.spec?.containers[0]?.image).toBe(`${ref}:stable`);
    expect(await cluster.eventReasons(ns, 'Deployment', 'worker')).toContain('RolloutRestarted');
  });

  it('alert: the update is announced once through the AlertConfig the action names', async () => {
    const received: { newTag?: string; previousTag?: string; image?: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await cluster.custom.createNamespacedCustomObject({
        group: 'tagpilot.dev',
        version: 'v1alpha1',
        plural: 'alertconfigs',
        namespace: ns,
        body: {
          apiVersion: 'tagpilot.dev/v1alpha1',
          kind: 'AlertConfig',
          metadata: { name: 'team' },
          spec: { webhook: { url: `http://127.0.0.1:${port}/hook` } },
        },
      });
      const repo = `ctl-${uid()}/announced`;
      await pushImage(anon, repo, 'v1.0.0');
      await cluster.createImage(
        ns,
        'announced',
        imageSpec(anon, repo, {
          baseTag: 'v1.0.0',
          actions: [{ type: 'alert', alertConfigRef: { name: 'team' } }],
        }),
      );
      await cluster.waitForStatus(ns, 'announced', 'first check', (s) => s.result === 'Success');
      expect(received).toHaveLength(0); // the first check is not an update
      await pushImage(anon, repo, 'v1.0.1');
      const done = await cluster.waitForStatus(ns, 'announced', 'v1.0.1', (s) => s.tag === 'v1.0.1');
      expect(done.result).toBe('Success');
      expect(done.message).toMatch(/alert: sent through AlertConfig team to webhook/);
      await waitFor('the alert', () => received.length > 0);
      expect(received).toHaveLength(1);
      expect(JSON.stringify(received[0])).toContain('v1.0.1');
      expect(await cluster.eventReasons(ns, 'Image', 'announced')).toContain('AlertSent');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('registry errors land in status with actionable messages while other Images keep updating', async () => {
    const basic = env.registries.basic;
    const token = env.registries.token;
    const authRepo = `ctl-${uid()}/private`;
    await pushImage(basic, authRepo, 'v1.0.0');
    const tokenRepo = `ctl-${uid()}/private`;
    await pushImage(token, tokenRepo, 'v1.0.0');
    await cluster.createPullSecret(ns, 'wrong', basic, 'not-the-password');
    await cluster.createPullSecret(ns, 'token-creds', token);

    // Our own registry, so that stopping it affects nobody else.
    const stateDir = createStateDir('ctl-registry');
    let own: RunningRegistry = await startRegistry({
      stateDir,
      dataDir: stateDir,
      logDir: env.logDir,
      mode: 'anonymous',
    });
    const ownRepo = `ctl-${uid()}/own`;
    await pushImage(own.info, ownRepo, 'v1.0.0');

    const healthyRepo = `ctl-${uid()}/healthy`;
    await pushImage(anon, healthyRepo, 'v1.0.0');

    await Promise.all([
      cluster.createImage(
        ns,
        'unknown',
        imageSpec(anon, `ctl-${uid()}/does-not-exist`, { baseTag: 'v1.0.0' }),
      ),
      cluster.createImage(ns, 'no-secret', imageSpec(basic, authRepo, { baseTag: 'v1.0.0' })),
      cluster.createImage(
        ns,
        'bad-secret',
        imageSpec(basic, authRepo, { baseTag: 'v1.0.0', imagePullSecrets: [{ name: 'wrong' }] }),
      ),
      cluster.createImage(
        ns,
        'missing-secret',
        imageSpec(basic, authRepo, { baseTag: 'v1.0.0', imagePullSecrets: [{ name: 'absent' }] }),
      ),
      cluster.createImage(
        ns,
        'token-ok',
        imageSpec(token, tokenRepo, { baseTag: 'v1.0.0', imagePullSecrets: [{ name: 'token-creds' }] }),
      ),
      cluster.createImage(ns, 'own', imageSpec(own.info, ownRepo, { baseTag: 'v1.0.0' })),
      cluster.createImage(ns, 'healthy', imageSpec(anon, healthyRepo, { baseTag: 'v1.0.0' })),
    ]);

    const unknown = await cluster.waitForStatus(
      ns,
      'unknown',
      'RegistryError',
      (s) => s.result === 'RegistryError',
    );
    expect(unknown.message).toMatch(/not found.*check spec\.image/);
    const noSecret = await cluster.waitForStatus(
      ns,
      'no-secret',
      'PullSecretsError',
      (s) => s.result === 'PullSecretsError',
    );
    expect(noSecret.message).toMatch(/requires authentication.*add an image pull secret/);
    const badSecret = await cluster.waitForStatus(
      ns,
      'bad-secret',
      'PullSecretsError',
      (s) => s.result === 'PullSecretsError',
    );
    expect(badSecret.message).toMatch(/rejected user "tagpilot".*check the image pull secret/);
    expect(badSecret.message).not.toContain('not-the-password');
    const missing = await cluster.waitForStatus(
      ns,
      'missing-secret',
      'PullSecretsError',
      (s) => s.result === 'PullSecretsError',
    );
    expect(missing.message).toMatch(/Secret "absent".*does not exist in namespace/);
    await cluster.waitForStatus(
      ns,
      'token-ok',
      'Success with the token registry',
      (s) => s.result === 'Success',
    );
    await cluster.waitForStatus(ns, 'own', 'Success while the registry is up', (s) => s.result === 'Success');
    expect(await cluster.eventReasons(ns, 'Image', 'unknown')).toContain('RegistryError');

    // Registry down: RegistryError, and another Image still updates meanwhile.
    const port = Number(own.info.host.split(':')[1]);
    await own.stop();
    const down = await cluster.waitForStatus(
      ns,
      'own',
      'RegistryError while down',
      (s) => s.result === 'RegistryError',
    );
    expect(down.message).toMatch(/cannot reach registry .*check that it is up/);
    expect(down.tag).toBe('v1.0.0');
    await pushImage(anon, healthyRepo, 'v1.1.0');
    await cluster.waitForStatus(
      ns,
      'healthy',
      'v1.1.0 while another registry is down',
      (s) => s.tag === 'v1.1.0',
    );

    // Back up on the same address: the retry finds it without anyone touching the Image.
    own = await startRegistry({ stateDir, dataDir: stateDir, logDir: env.logDir, mode: 'anonymous', port });
    try {
      await pushImage(own.info, ownRepo, 'v1.2.0');
      const back = await cluster.waitForStatus(
        ns,
        'own',
        'recovered',
        (s) => s.result === 'Success' && s.tag === 'v1.2.0',
      );
      expect(back.message).toMatch(/v1\.0\.0 → v1\.2\.0/);
    } finally {
      await own.stop();
    }
  });

  it('manual: an Image with only a manual trigger waits, and the refresh annotation evaluates it once', async () => {
    const repo = `ctl-${uid()}/manual`;
    await pushImage(anon, repo, 'v1.0.0');
    await pushImage(anon, repo, 'v1.0.1');
    await cluster.createImage(ns, 'manual', {
      ...imageSpec(anon, repo, { baseTag: 'v1.0.0' }),
      triggers: [{ type: 'manual' }],
    });
    const waiting = await cluster.waitForStatus(ns, 'manual', 'Scheduled', (s) => s.result === 'Scheduled');
    expect(waiting.message).toContain(REFRESH_ANNOTATION);
    expect(waiting.tag).toBeUndefined();

    await cluster.patchImage(ns, 'manual', { metadata: { annotations: { [REFRESH_ANNOTATION]: 'now' } } });
    const done = await cluster.waitForStatus(ns, 'manual', 'evaluated', (s) => s.result === 'Success');
    expect(done.tag).toBe('v1.0.1');
    await waitFor('the refresh annotation to be removed', async () => {
      const img = await cluster.getImage(ns, 'manual');
      return img.metadata.annotations?.[REFRESH_ANNOTATION] === undefined;
    });
  });

  it('recovers from an apiserver restart without restarting itself', async () => {
    const repo = `ctl-${uid()}/survivor`;
    await pushImage(anon, repo, 'v1.0.0');
    await cluster.createImage(ns, 'survivor', imageSpec(anon, repo, { baseTag: 'v1.0.0' }));
    await cluster.waitForStatus(ns, 'survivor', 'first check', (s) => s.result === 'Success');

    const res = await fetch(`${env.control.url}/restart-apiserver`, {
      method: 'POST',
      signal: AbortSignal.timeout(120_000),
    });
    expect(res.status).toBe(204);

    // Changes made after the restart reach the controller through its re-established watch ...
    await cluster.createImage(ns, 'after-restart', imageSpec(anon, repo, { baseTag: 'v1.0.0' }));
    await cluster.waitForStatus(
      ns,
      'after-restart',
      'checked after the restart',
      (s) => s.result === 'Success',
      120_000,
    );
    // ... and cron ticks keep updating the Images it already had.
    await pushImage(anon, repo, 'v1.1.0');
    await cluster.waitForStatus(
      ns,
      'survivor',
      'v1.1.0 after the restart',
      (s) => s.tag === 'v1.1.0',
      120_000,
    );
    expect(controller.ready()).toBe(true);
  });
});
