// Hostile registries against the real controller program (controller/main.ts in a child process, as its
// ServiceAccount with the shipped RBAC, default flags): a registry that streams endless bodies costs a
// "response too large" error and bounded memory; a registry that never answers costs its own Images one
// deadline and never a healthy Image's refresh.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REFRESH_ANNOTATION, type Image } from '../../../crds/index.js';
import { startHostilePeer, startSilentPeer, type HostilePeer } from '../../testenv/hostile.js';
import { pushImage } from '../../testenv/images.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { startControllerProcess, type ControllerProcess } from '../../testenv/controller-process.js';
import { rssBytes, watchRss } from '../../testenv/procs.js';
import type { RegistryInfo } from '../../testenv/types.js';
import { waitFor } from '../../testenv/wait.js';
import { Cluster, controllerKubeConfig, imageSpec } from '../../integration/controller/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const MiB = 1024 * 1024;

/** The controller's memory limit as the chart ships it (`384Mi`), in bytes. */
function chartMemoryLimit(): number {
  const values = parse(readFileSync(join(repoRoot, 'charts/tagpilot/values.yaml'), 'utf8')) as {
    controller: { resources: { limits: { memory: string } } };
  };
  const text = values.controller.resources.limits.memory;
  const m = /^(\d+)(Mi|Gi)$/.exec(text);
  if (!m) throw new Error(`unexpected memory limit "${text}" in values.yaml`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 * MiB : MiB);
}

let ns: string;
let controller: ControllerProcess;

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${controller.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

async function images(): Promise<Image[]> {
  const list = (await cluster.custom.listNamespacedCustomObject({
    group: 'tagpilot.dev',
    version: 'v1alpha1',
    plural: 'images',
    namespace: ns,
  })) as { items: Image[] };
  return list.items;
}

const refresh = (name: string) =>
  cluster.patchImage(ns, name, {
    metadata: { annotations: { [REFRESH_ANNOTATION]: new Date().toISOString() } },
  });

beforeAll(async () => {
  ns = await createTestNamespace(env, 'hostile-registry');
  controller = await startControllerProcess(env, {
    name: `controller-hostile-registry-${ns}`,
    kubeConfig: await controllerKubeConfig(env),
    namespaces: [ns],
    args: ['--registry-cache-ttl=1s', '--cron-jitter=0s'],
  });
});

afterAll(async () => {
  await controller?.stop();
});

describe('hostile registries against the controller program', () => {
  it('endless tag lists and manifests: "response too large" on the Images, RSS under the chart limit', async () => {
    const limit = chartMemoryLimit();
    const baseline = rssBytes(controller.pid) ?? 0;
    const rss = watchRss(controller.pid, 200);
    const peer: HostilePeer = await startHostilePeer((req, res, { streamEndless }) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (path === '/v2/manifest/app/tags/list') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name: 'manifest/app', tags: ['latest'] }));
      } else if (path.endsWith('/tags/list')) {
        // One repository announces 5 GB (as in the report); the other streams without any length.
        const announced = path.startsWith('/v2/announced/') ? { 'content-length': String(5e9) } : {};
        res.writeHead(200, { 'content-type': 'application/json', ...announced });
        streamEndless(res, '{"tags":["');
      } else if (path.includes('/manifests/')) {
        // No Docker-Content-Digest on HEAD: the client must GET the manifest, which never ends.
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        if (req.method === 'HEAD') res.end();
        else streamEndless(res, '{"schemaVersion":2,"config":{"digest":"');
      } else {
        res.writeHead(404).end();
      }
    });
    try {
      const hostile: RegistryInfo = { mode: 'anonymous', host: peer.host };
      await Promise.all([
        cluster.createImage(ns, 'endless-tags', imageSpec(hostile, 'endless/app', { baseTag: 'v1.0.0' })),
        cluster.createImage(ns, 'announced-tags', imageSpec(hostile, 'announced/app', { baseTag: 'v1.0.0' })),
        cluster.createImage(
          ns,
          'endless-manifest',
          imageSpec(hostile, 'manifest/app', { rule: 'digest', baseTag: 'latest' }),
        ),
      ]);
      const tags = await cluster.waitForStatus(
        ns,
        'endless-tags',
        'too large',
        (s) => s.result === 'RegistryError',
      );
      expect(tags.message).toMatch(
        new RegExp(
          `^response too large: the tags of ${peer.host}/endless/app from ${peer.host} exceeded 16 MiB; `,
        ),
      );
      expect(tags.message).not.toMatch(/network|cannot reach|did not answer/);
      const announced = await cluster.waitForStatus(
        ns,
        'announced-tags',
        'too large',
        (s) => s.result === 'RegistryError',
      );
      expect(announced.message).toContain('exceeded 16 MiB (it announced 4768 MiB)');
      const manifest = await cluster.waitForStatus(
        ns,
        'endless-manifest',
        'too large',
        (s) => s.result === 'RegistryError',
      );
      expect(manifest.message).toMatch(
        /^response too large: the manifest of .*:latest from .* exceeded 4 MiB; /,
      );

      // Keep it coming: every refresh reads the endless bodies again (and the retries and the 10 s cron
      // do too), while RSS is sampled every 200 ms.
      for (let round = 0; round < 4; round++) {
        const before = peer.requests.length;
        await Promise.all(['endless-tags', 'announced-tags', 'endless-manifest'].map(refresh));
        await waitFor('the refreshed Images to ask again', () => peer.requests.length >= before + 3, {
          timeoutMs: 30_000,
          intervalMs: 100,
        });
        await new Promise((r) => setTimeout(r, 1_000));
      }
      rss.stop();
      const reads = peer.requests.filter((r) => r.startsWith('GET')).length;
      const streamed = [...peer.bytesSent.values()].reduce((a, b) => a + b, 0);
      console.log(
        `[hostile registry] RSS ${(baseline / MiB).toFixed(0)} MiB before, peak ${(rss.peak() / MiB).toFixed(0)} MiB over ${rss.samples()} samples (limit ${limit / MiB} MiB); ${reads} GETs, ${(streamed / MiB).toFixed(0)} MiB streamed in all`,
      );
      expect(rss.samples()).toBeGreaterThan(20);
      expect(rss.peak()).toBeLessThan(limit);
      // Each read stopped near its limit: what the server managed to write is bounded per request.
      expect(streamed / reads).toBeLessThan(16 * MiB + 8 * MiB);
    } finally {
      rss.stop();
      await peer.close();
    }
  });

  it('12 Images on a registry that never answers: a healthy Image is updated within 5 s of its refresh', async () => {
    const silent = await startSilentPeer();
    try {
      const healthyRepo = `hostile-${randomBytes(3).toString('hex')}/healthy`;
      await pushImage(anon, healthyRepo, 'v1.0.0');
      await cluster.createImage(ns, 'healthy', {
        ...imageSpec(anon, healthyRepo, { baseTag: 'v1.0.0' }),
        triggers: [{ type: 'manual' }],
      });
      await refresh('healthy');
      await cluster.waitForStatus(
        ns,
        'healthy',
        'first check',
        (s) => s.result === 'Success' && s.tag === 'v1.0.0',
      );

      const dead: RegistryInfo = { mode: 'anonymous', host: silent.host };
      const names = Array.from({ length: 12 }, (_, i) => `dead-${i}`);
      const created = Date.now();
      await Promise.all(names.map((n, i) => cluster.createImage(ns, n, imageSpec(dead, `dead/app${i}`))));
      // The worst moment: the dead registry's Images hold every slot they may (one probes, the others wait
      // for its answer) and the registry has the probe's connection.
      await waitFor(
        'the dead registry to hold evaluation slots',
        async () => silent.requests() >= 1 && (await metric('tagpilot_controller_queue_active')) >= 8,
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      const held = await metric('tagpilot_controller_queue_active');

      await pushImage(anon, healthyRepo, 'v1.1.0');
      const asked = Date.now();
      await refresh('healthy');
      await cluster.waitForStatus(
        ns,
        'healthy',
        'v1.1.0 after the refresh',
        (s) => s.tag === 'v1.1.0',
        20_000,
      );
      const latency = Date.now() - asked;
      expect(Date.now() - created).toBeLessThan(25_000); // measured while the probe was still hanging

      // The dead registry's Images fail together after one 30 s deadline, and the message says 30 s.
      const errored = new Map<string, number>();
      await waitFor(
        'all 12 dead Images to report RegistryError',
        async () => {
          for (const img of await images()) {
            const name = img.metadata.name ?? '';
            if (name.startsWith('dead-') && img.status?.result === 'RegistryError' && !errored.has(name))
              errored.set(name, Date.now() - created);
          }
          return errored.size === 12;
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      const times = [...errored.values()].sort((a, b) => a - b);
      console.log(
        `[silent registry] healthy refresh took ${latency} ms while ${held} slots were held; dead Images failed after ${(times[0]! / 1000).toFixed(1)}–${(times[11]! / 1000).toFixed(1)} s; ${silent.requests()} requests to the dead registry`,
      );
      expect(latency).toBeLessThan(5_000);
      for (const img of (await images()).filter((i) => i.metadata.name?.startsWith('dead-'))) {
        expect(img.status?.message).toMatch(
          new RegExp(`registry ${silent.host} did not answer .*within 30 s`),
        );
      }
      // "within 30 s" is what they waited: not sooner, and not 3 × 30 s (or 12 × 30 s in series).
      expect(times[0]!).toBeGreaterThanOrEqual(29_000);
      expect(times[11]!).toBeLessThan(60_000);
    } finally {
      await silent.close();
    }
  });
});
