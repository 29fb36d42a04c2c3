// Webhook path: Images with only a webhook trigger are evaluated when a hook names their repository,
// not on a schedule. The anonymous registry's own push notifications reach the controller through the
// test environment's relay; a CI-style generic hook is signed with HMAC-SHA256.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startController, type Controller } from '../../controller/main.js';
import type { ImageSpec } from '../../crds/index.js';
import { pushImage } from '../testenv/images.js';
import { createTestNamespace } from '../testenv/kube.js';
import { Cluster, controllerKubeConfig, testLogger } from '../integration/controller/support.js';

const env = inject('testenv');
const cluster = new Cluster(env);
const GENERIC_SECRET = randomBytes(16).toString('hex');
const DISTRIBUTION_TOKEN = randomBytes(16).toString('hex');

let ns: string;
let controller: Controller;
let base: string;

const webhookOnly = (host: string, repo: string): ImageSpec => ({
  image: `${host}/${repo}`,
  baseTag: 'v1.0.0',
  triggers: [{ type: 'webhook' }],
  rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
});

function genericHook(body: object, secret = GENERIC_SECRET): Promise<Response> {
  const raw = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
  return fetch(`${base}/v1/hooks/generic`, {
    method: 'POST',
    body: raw,
    headers: { 'content-type': 'application/json', 'x-tagpilot-signature': signature },
  });
}

beforeAll(async () => {
  const kubeConfig = await controllerKubeConfig(env);
  ns = await createTestNamespace(env, 'ctl-hook');
  controller = await startController({
    kubeConfig,
    namespaces: [ns],
    ops: { host: '127.0.0.1', port: 0 },
    hookSecrets: { generic: [GENERIC_SECRET], distribution: [DISTRIBUTION_TOKEN] },
    registry: { tagsTtlMs: 60_000, digestTtlMs: 60_000 },
    log: testLogger(env, 'webhook'),
  });
  base = `http://127.0.0.1:${controller.port}`;
  const res = await fetch(`${env.notifications.url}/targets`, {
    method: 'POST',
    body: JSON.stringify({ url: `${base}/v1/hooks/distribution?token=${DISTRIBUTION_TOKEN}` }),
  });
  expect(res.status).toBe(204);
});

afterAll(async () => {
  await fetch(`${env.notifications.url}/targets`, { method: 'DELETE' });
  await controller?.stop();
});

describe('tagpilot-controller webhooks', () => {
  it("the registry's own push notification triggers the evaluation (no cron involved)", async () => {
    const anon = env.registries.anonymous;
    const repo = `hook-${randomBytes(3).toString('hex')}/app`;
    await pushImage(anon, repo, 'v1.0.0');
    await cluster.createImage(ns, 'pushed', webhookOnly(anon.host, repo));
    // A new Image is checked once, to know where it starts.
    await cluster.waitForStatus(
      ns,
      'pushed',
      'first check',
      (s) => s.result === 'Success' && s.tag === 'v1.0.0',
    );
    // The tag cache lives 60 s here: only a hook (which reads fresh) can see the push in time.
    await pushImage(anon, repo, 'v1.1.0');
    const status = await cluster.waitForStatus(
      ns,
      'pushed',
      'v1.1.0 from the push notification',
      (s) => s.tag === 'v1.1.0',
      30_000,
    );
    expect(status.message).toMatch(/v1\.0\.0 → v1\.1\.0/);
  });

  it('a signed generic hook triggers the evaluation; a bad signature gets 401 and changes nothing', async () => {
    // Every test registry notifies the relay; this test proves the generic hook alone triggers, so the
    // registry's own notification of the push below must not reach the controller.
    expect((await fetch(`${env.notifications.url}/targets`, { method: 'DELETE' })).status).toBe(204);
    const basic = env.registries.basic;
    const repo = `hook-${randomBytes(3).toString('hex')}/ci`;
    await pushImage(basic, repo, 'v1.0.0');
    await cluster.createPullSecret(ns, 'basic', basic);
    await cluster.createImage(ns, 'ci', {
      ...webhookOnly(basic.host, repo),
      imagePullSecrets: [{ name: 'basic' }],
    });
    await cluster.waitForStatus(ns, 'ci', 'first check', (s) => s.result === 'Success' && s.tag === 'v1.0.0');

    await pushImage(basic, repo, 'v1.1.0');
    const before = await cluster.getImage(ns, 'ci');
    // This Image's own count: an earlier test's Image may still have a retry due.
    const key = `${ns}/ci`;
    const evaluations = controller.stats().byImage[key] ?? 0;

    const forged = await genericHook(
      { repository: `${basic.host}/${repo}`, tag: 'v1.1.0' },
      'not-the-secret',
    );
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: string }).error).toMatch(/signature does not match/);
    const unsigned = await fetch(`${base}/v1/hooks/generic`, {
      method: 'POST',
      body: JSON.stringify({ repository: `${basic.host}/${repo}` }),
      // A JSON body, so the missing signature (not the content type, which gets 415) is what is refused.
      headers: { 'content-type': 'application/json' },
    });
    expect(unsigned.status).toBe(401);
    await controller.idle();
    expect(controller.stats().byImage[key] ?? 0).toBe(evaluations);
    const untouched = await cluster.getImage(ns, 'ci');
    expect(untouched.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(untouched.status?.tag).toBe('v1.0.0');

    const ok = await genericHook({ repository: `${basic.host}/${repo}`, tag: 'v1.1.0' });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toMatchObject({ triggered: 1 });
    await cluster.waitForStatus(ns, 'ci', 'v1.1.0 from the generic hook', (s) => s.tag === 'v1.1.0', 30_000);
  });

  it('a hook for a repository no Image follows answers 202 with a count of 0', async () => {
    const res = await genericHook({ repository: 'ghcr.io/nobody/follows-this' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ triggered: 0 });
  });
});
