// Honest status end to end (issue 15): the real operator (which owns Ready) and the real controller (which
// checks the registry and writes status.result) against the real apiserver. An Image whose registry is
// down is not Ready for `kubectl wait`, and is Ready again once its registry answers; a suspended Image
// pins nothing through the mutating webhook.
import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { imageLastResult, imageLastSuccess } from '../../controller/engine/image-metrics.js';
import type { Image } from '../../crds/index.js';
import { pushImage } from '../testenv/images.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { quickRegistry, startPrograms, type Programs } from '../testenv/programs.js';
import { kubectl } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';
import { Cluster, imageSpec } from '../integration/controller/support.js';
import { freePort } from '../integration/alerts/peers.js';
import { applyControllerStatus, imageObject, readyOf } from '../integration/operator/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const core = adminKubeConfig(env).makeApiClient(CoreV1Api);

let programs: Programs;
let checked: string; // watched by the controller
let pinned: string; // opted into pinning, not watched by the controller

beforeAll(async () => {
  checked = await createTestNamespace(env, 'honest');
  pinned = await createTestNamespace(env, 'honest-pin', { 'tagpilot.dev/webhook': 'enabled' });
  programs = await startPrograms(env, {
    operator: {},
    controller: {
      logName: 'e2e-honest-status',
      namespaces: [checked],
      ops: false,
      registry: quickRegistry,
      cronJitterMs: 200,
      retryBaseMs: 500,
      retryMaxMs: 2_000,
    },
  });
});

afterAll(async () => {
  await programs?.stop();
});

const waitReady = (name: string, timeout: string) =>
  kubectl(env.kubeconfig, [
    'wait',
    '--for=condition=Ready',
    `image/${name}`,
    '-n',
    checked,
    `--timeout=${timeout}`,
  ]);

async function getColumns(name: string): Promise<Record<string, string>> {
  const out = await kubectl(env.kubeconfig, ['get', 'images', name, '-n', checked]);
  expect(out.code, out.stderr).toBe(0);
  const [head, row] = out.stdout.trim().split('\n');
  const keys = head!.trim().split(/\s+/);
  const values = row!.trim().split(/\s+/);
  return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? '']));
}

async function lastResults(name: string): Promise<string[]> {
  const values = (await imageLastResult.get()).values;
  return values
    .filter((v) => v.labels.namespace === checked && v.labels.name === name)
    .map((v) => String(v.labels.result));
}

describe('Ready follows the last check', () => {
  it('is False while the registry is down and True again once it answers', async () => {
    const name = 'down';
    const repo = `honest-${randomBytes(3).toString('hex')}/web`;
    await pushImage(anon, repo, 'v1.0.0');
    // Nothing listens on a port freePort handed out and nobody took: every request is refused.
    const closed = await freePort();
    const spec = imageSpec(anon, repo, { baseTag: 'v1.0.0' });
    await cluster.createImage(checked, name, { ...spec, image: `127.0.0.1:${closed}/${repo}` });

    const failing = await waitFor(`Image ${name} to be Ready=False/RegistryError`, async () => {
      const img = await cluster.getImage(checked, name);
      return readyOf(img)?.status === 'False' ? img : undefined;
    });
    const ready = failing.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready.reason).toBe('RegistryError');
    expect(ready.message).toMatch(/^The last check failed: .*127\.0\.0\.1/);
    // A registry that is down is retried, not stalled.
    expect(failing.status?.conditions?.map((c) => c.type)).not.toContain('Stalled');

    const timedOut = await waitReady(name, '8s');
    expect(timedOut.code).not.toBe(0);
    expect(timedOut.stderr).toMatch(/timed out/);
    expect((await getColumns(name)).READY).toBe('False');
    expect(await lastResults(name)).toEqual(['RegistryError']);
    // Several checks later (failures are retried every 2 s here) it is still the same failure: Ready keeps
    // its transition time.
    const since = ready.lastTransitionTime;
    await new Promise((r) => setTimeout(r, 5_000));
    const later = (await cluster.getImage(checked, name)).status?.conditions?.find((c) => c.type === 'Ready');
    expect(later).toMatchObject({ status: 'False', lastTransitionTime: since });

    // The registry comes back (the spec now points at the running one).
    await cluster.patchImage(checked, name, { spec: { image: `${anon.host}/${repo}` } });
    const recovered = await waitReady(name, '90s');
    expect(recovered.code, recovered.stderr).toBe(0);
    const img = await cluster.getImage(checked, name);
    expect(img.status?.result).toBe('Success');
    expect(readyOf(img)).toMatchObject({ status: 'True', reason: 'Valid' });
    expect((await getColumns(name)).READY).toBe('True');
    await waitFor('the metric to say Success', async () => (await lastResults(name)).join() === 'Success');
    const success = (await imageLastSuccess.get()).values.find(
      (v) => v.labels.namespace === checked && v.labels.name === name,
    );
    expect(success?.value).toBeGreaterThan(Date.now() / 1000 - 120);

    // Deleting the Image removes its series.
    await cluster.custom.deleteNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
      namespace: checked,
      name,
    });
    await waitFor('the Image series to go', async () => (await lastResults(name)).length === 0);
  });

  it('is Stalled with Ready=False while a rule cannot run, until the spec is fixed', async () => {
    const name = 'bad-rule';
    const repo = `honest-${randomBytes(3).toString('hex')}/api`;
    await pushImage(anon, repo, 'latest');
    // semver-minor from a tag that is not a version: a RuleError no retry clears.
    await cluster.createImage(checked, name, imageSpec(anon, repo, { baseTag: 'latest' }));
    const img = await waitFor(`Image ${name} to be Stalled`, async () => {
      const i = await cluster.getImage(checked, name);
      return i.status?.conditions?.some((c) => c.type === 'Stalled') ? i : undefined;
    });
    expect(readyOf(img)).toMatchObject({ status: 'False', reason: 'RuleError' });
    expect(img.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'RuleError',
    });

    // A rule that reads a tag which is not a version: the fix clears Stalled and Ready recovers.
    await cluster.patchImage(checked, name, {
      spec: { rules: [{ type: 'digest', actions: [{ type: 'apply' }] }] },
    });
    const fixed = await waitFor(`Image ${name} to be Ready again`, async () => {
      const i = await cluster.getImage(checked, name);
      return readyOf(i)?.status === 'True' ? i : undefined;
    });
    expect(fixed.status?.conditions?.map((c) => c.type)).not.toContain('Stalled');
  });
});

describe('spec.suspend holds the mutating webhook', () => {
  async function createWithStatus(img: Image, tag: string): Promise<void> {
    await cluster.custom.createNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
      namespace: pinned,
      body: img,
    });
    await applyControllerStatus(adminKubeConfig(env), pinned, img.metadata.name!, { tag, result: 'Success' });
  }

  const admitted = async (image: string): Promise<string | undefined> => {
    const pod = await core.createNamespacedPod({
      namespace: pinned,
      dryRun: 'All',
      body: { metadata: { generateName: 'probe-' }, spec: { containers: [{ name: 'c', image }] } },
    });
    return pod.spec?.containers[0]?.image;
  };

  it('pins nothing for a suspended Image, and pins again once it is resumed', async () => {
    // The held Image goes first: once the later one pins, the webhook's cache has seen both.
    await createWithStatus(imageObject('held', pinned, { image: 'held', suspend: true }), 'v2.0.0');
    await createWithStatus(imageObject('live', pinned, { image: 'live' }), 'v2.0.0');
    await waitFor('the webhook to pin live', async () => (await admitted('live:v1.0.0')) === 'live:v2.0.0');
    expect(await admitted('held:v1.0.0')).toBe('held:v1.0.0');

    await cluster.patchImage(pinned, 'held', { spec: { suspend: false } });
    await waitFor(
      'the webhook to pin held once resumed',
      async () => (await admitted('held:v1.0.0')) === 'held:v2.0.0',
    );
  });
});
