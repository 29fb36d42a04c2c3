// Update windows and minTagAge end to end (docs/safe-updates.md "When to act"): the real registry, the
// real apiserver and the controller program. A generic webhook outside the window decides (status.waiting)
// but the Deployment keeps its tag until the window opens, and then gets the new one with no further
// trigger, even when the controller restarted meanwhile; candidates younger than minTagAge are skipped until they come of age, again with no trigger.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startController, type Controller } from '../../controller/main.js';
import type { ImageSpec } from '../../crds/index.js';
import { Cluster, controllerKubeConfig, testLogger } from '../integration/controller/support.js';
import { pushImage } from '../testenv/images.js';
import { createTestNamespace } from '../testenv/kube.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const SECRET = randomBytes(16).toString('hex');
const uid = () => randomBytes(3).toString('hex');

let controller: Controller;
let base: string;
let ns: string;

beforeAll(async () => {
  ns = await createTestNamespace(env, 'windows');
  await start();
});

async function start(): Promise<void> {
  controller = await startController({
    kubeConfig: await controllerKubeConfig(env),
    namespaces: [ns],
    ops: { host: '127.0.0.1', port: 0 },
    hookSecrets: { generic: [SECRET] },
    registry: { tagsTtlMs: 500, digestTtlMs: 500 },
    log: testLogger(env, 'update-windows'),
  });
  base = `http://127.0.0.1:${controller.port}`;
}

afterAll(async () => {
  await controller?.stop();
});

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

const spec = (image: string, extra: Partial<ImageSpec>): ImageSpec => ({
  image,
  baseTag: 'v1.0.0',
  // Only the webhook: no schedule that could evaluate the Image at the window's opening by chance.
  triggers: [{ type: 'webhook' }],
  rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
  healthGate: { enabled: false },
  ...extra,
});

/** A six-field (seconds first) UTC schedule that fires once a day at `at`. */
const dailyAt = (at: Date) => `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;

describe('update windows', () => {
  it('a webhook outside the window decides (status.waiting) and the Deployment gets the tag only when the window opens, across a controller restart', async () => {
    const repo = `win-${uid()}/web`;
    const image = `${anon.host}/${repo}`;
    await pushImage(anon, repo, 'v1.0.0');
    await cluster.createDeployment(ns, 'web', `${image}:v1.0.0`);
    // The window opens 45 s from now (whole second) and stays open 5 minutes.
    const opensAt = new Date(Math.ceil((Date.now() + 45_000) / 1000) * 1000);
    await cluster.createImage(
      ns,
      'web',
      spec(image, { updateWindows: [{ schedule: dailyAt(opensAt), duration: '5m' }] }),
    );
    await cluster.waitForStatus(
      ns,
      'web',
      'first check',
      (s) => s.result === 'Success' && s.tag === 'v1.0.0',
    );

    await pushImage(anon, repo, 'v1.1.0');
    const res = await hook({ repository: image, tag: 'v1.1.0' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ triggered: 1, matched: 1 });
    const waiting = await cluster.waitForStatus(ns, 'web', 'waiting', (s) => s.waiting?.tag === 'v1.1.0');
    expect(Date.now()).toBeLessThan(opensAt.getTime());
    expect(waiting.tag).toBe('v1.0.0');
    expect(waiting.waiting).toMatchObject({ tag: 'v1.1.0', rule: 'semver-minor' });
    expect(Date.parse(waiting.waiting!.opensAt)).toBe(opensAt.getTime());
    expect(waiting.message).toMatch(/v1\.0\.0 → v1\.1\.0.*waiting for an update window/);
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${image}:v1.0.0`);
    expect(await cluster.eventReasons(ns, 'Image', 'web')).toContain('WaitingForWindow');

    // A restart before the window opens: the new controller re-arms the wake-up from status.waiting.
    await controller.stop();
    await start();

    // No other trigger: the controller's own wake-up applies it once the window is open.
    const applied = await cluster.waitForStatus(
      ns,
      'web',
      'applied in the window',
      (s) => s.tag === 'v1.1.0',
      120_000,
    );
    expect(applied.waiting).toBeUndefined();
    expect(Date.parse(applied.history![0]!.time)).toBeGreaterThanOrEqual(opensAt.getTime());
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${image}:v1.1.0`);
  });
});

describe('minTagAge', () => {
  it('skips a just-built tag and takes it once it is old enough, with no further trigger', async () => {
    const repo = `age-${uid()}/api`;
    const image = `${anon.host}/${repo}`;
    await pushImage(anon, repo, 'v1.0.0', { created: '2026-01-01T00:00:00Z' });
    await pushImage(anon, repo, 'v1.1.0', { created: new Date(Date.now() - 5_000).toISOString() });
    await cluster.createDeployment(ns, 'api', `${image}:v1.0.0`);
    await cluster.createImage(ns, 'api', spec(image, { minTagAge: '25s' }));
    const young = await cluster.waitForStatus(ns, 'api', 'skipped as young', (s) =>
      /younger than spec\.minTagAge 25s, skipped: v1\.1\.0 \(built/.test(s.message ?? ''),
    );
    expect(young.tag).toBe('v1.0.0');
    expect(await cluster.deploymentImage(ns, 'api')).toBe(`${image}:v1.0.0`);
    await cluster.waitForStatus(ns, 'api', 'applied when of age', (s) => s.tag === 'v1.1.0', 90_000);
    expect(await cluster.deploymentImage(ns, 'api')).toBe(`${image}:v1.1.0`);
  });

  it('without a build time counts from first sight, kept in status.firstSeen', async () => {
    const repo = `age-${uid()}/worker`;
    const image = `${anon.host}/${repo}`;
    await pushImage(anon, repo, 'v1.0.0');
    await pushImage(anon, repo, 'v1.1.0');
    await cluster.createDeployment(ns, 'worker', `${image}:v1.0.0`);
    await cluster.createImage(ns, 'worker', spec(image, { minTagAge: '20s' }));
    const young = await cluster.waitForStatus(ns, 'worker', 'first seen', (s) =>
      (s.firstSeen ?? []).some((e) => e.tag === 'v1.1.0'),
    );
    expect(young.tag).toBe('v1.0.0');
    expect(young.message).toMatch(/v1\.1\.0 \(first seen less than 20s ago/);
    const applied = await cluster.waitForStatus(ns, 'worker', 'applied', (s) => s.tag === 'v1.1.0', 90_000);
    expect(applied.firstSeen).toBeUndefined();
    expect(Date.parse(applied.history![0]!.time)).toBeGreaterThanOrEqual(
      Date.parse(young.firstSeen!.find((e) => e.tag === 'v1.1.0')!.time) + 20_000,
    );
  });
});
