// CI pushes (docs/triggers.md "CI pushes") and the newest-build rule (docs/rules.md), end to end: the real
// registry, the real apiserver, the controller program and the `tagpilot` CLI binary.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startController, type Controller } from '../../controller/main.js';
import type { ImageSpec } from '../../crds/index.js';
import { tagpilot } from '../testenv/cli.js';
import { pushImage } from '../testenv/images.js';
import { createTestNamespace } from '../testenv/kube.js';
import { Cluster, controllerKubeConfig, testLogger } from '../integration/controller/support.js';

const env = inject('testenv');
const cluster = new Cluster(env);
const SECRET = randomBytes(16).toString('hex');

let controller: Controller;
let base: string;
let nsA: string;
let nsB: string;

const newestBuild = (image: string, baseTag: string, include = '^main-'): ImageSpec => ({
  image,
  baseTag,
  tagFilter: { include },
  triggers: [{ type: 'webhook' }],
  rules: [{ type: 'newest-build', actions: [{ type: 'apply' }] }],
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

const cli = (args: string[]) => tagpilot(args);

interface HookAnswer {
  triggered: number;
  matched: number;
  results: { image: string; tag?: string; accepted: boolean; reason: string }[];
}

beforeAll(async () => {
  nsA = await createTestNamespace(env, 'ci-push-a');
  nsB = await createTestNamespace(env, 'ci-push-b');
  controller = await startController({
    kubeConfig: await controllerKubeConfig(env),
    namespaces: [nsA, nsB],
    ops: { host: '127.0.0.1', port: 0 },
    hookSecrets: { generic: [SECRET] },
    // Long caches: only the hook (not an expiry) can make the controller see a push in time.
    registry: { tagsTtlMs: 600_000, digestTtlMs: 600_000 },
    log: testLogger(env, 'ci-push'),
  });
  base = `http://127.0.0.1:${controller.port}`;
});

afterAll(async () => {
  await controller?.stop();
});

describe('newest-build and CI pushes', () => {
  it('newest-build picks the latest build of three commit tags pushed out of name order, controller and CLI alike', async () => {
    const anon = env.registries.anonymous;
    const repo = `ci-${randomBytes(3).toString('hex')}/nb`;
    const image = `${anon.host}/${repo}`;
    // Name order says main-ccc…, push order says main-bbb…, build time says main-aaa….
    await pushImage(anon, repo, 'main-0000000', { created: '2026-11-01T08:00:00Z' });
    await pushImage(anon, repo, 'main-ccccccc', { created: '2026-11-01T09:00:00Z' });
    await pushImage(anon, repo, 'main-aaaaaaa', { created: '2026-11-01T11:00:00.5Z' });
    await pushImage(anon, repo, 'main-bbbbbbb', { created: '2026-11-01T10:00:00Z' });

    await cluster.createDeployment(nsA, 'nb', `${image}:main-0000000`);
    await cluster.createImage(nsA, 'nb', newestBuild(image, 'main-0000000'));
    const status = await cluster.waitForStatus(nsA, 'nb', 'newest build', (s) => s.tag === 'main-aaaaaaa');
    expect(status.history?.[0]).toMatchObject({ tag: 'main-aaaaaaa', rule: 'newest-build' });
    expect(await cluster.deploymentImage(nsA, 'nb')).toBe(`${image}:main-aaaaaaa`);

    const run = await cli([
      'resolve',
      '--rule',
      'newest-build',
      '--current',
      'main-0000000',
      '--include',
      '^main-',
      '--image',
      image,
      '--explain',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('main-aaaaaaa\n');
    expect(run.stderr).toMatch(/build time/);
    // And from the newest build, neither says to move (never back to an older build).
    const stay = await cli([
      'resolve',
      '--rule',
      'newest-build',
      '--current',
      'main-aaaaaaa',
      '--image',
      image,
    ]);
    expect(stay).toMatchObject({ code: 0, stdout: '' });
  });

  it('a signed hook with main-7f3a9c1 moves newest-build Images in two namespaces; again changes nothing; a filtered tag is refused with the reason', async () => {
    const anon = env.registries.anonymous;
    const repo = `ci-${randomBytes(3).toString('hex')}/web`;
    const image = `${anon.host}/${repo}`;
    await pushImage(anon, repo, 'main-1111111', { created: '2026-11-02T08:00:00Z' });
    await pushImage(anon, repo, 'v1.0.0', { created: '2026-11-02T08:00:00Z' });
    for (const ns of [nsA, nsB]) {
      await cluster.createDeployment(ns, 'web', `${image}:main-1111111`);
      await cluster.createImage(ns, 'web', newestBuild(image, 'main-1111111'));
    }
    // An Image on the same repository that only takes release tags.
    await cluster.createImage(nsB, 'release', newestBuild(image, 'v1.0.0', '^v'));
    for (const ns of [nsA, nsB])
      await cluster.waitForStatus(
        ns,
        'web',
        'first check',
        (s) => s.result === 'Success' && s.tag === 'main-1111111',
      );
    await cluster.waitForStatus(
      nsB,
      'release',
      'first check',
      (s) => s.result === 'Success' && s.tag === 'v1.0.0',
    );

    // CI pushes and calls the hook; the controller's tag list (cached 10 min) does not show the tag yet.
    await pushImage(anon, repo, 'main-7f3a9c1', { created: '2026-11-02T09:00:00Z' });
    const res = await hook({ repository: image, tag: 'main-7f3a9c1' });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as HookAnswer;
    expect(answer).toMatchObject({ triggered: 2, matched: 3 });
    expect(answer.results).toEqual(
      expect.arrayContaining([
        { image: `${nsA}/web`, tag: 'main-7f3a9c1', accepted: true, reason: expect.any(String) },
        { image: `${nsB}/web`, tag: 'main-7f3a9c1', accepted: true, reason: expect.any(String) },
        {
          image: `${nsB}/release`,
          tag: 'main-7f3a9c1',
          accepted: false,
          reason: 'tag main-7f3a9c1 does not match tagFilter.include ^v',
        },
      ]),
    );
    for (const ns of [nsA, nsB]) {
      await cluster.waitForStatus(ns, 'web', 'main-7f3a9c1 from the hook', (s) => s.tag === 'main-7f3a9c1');
      expect(await cluster.deploymentImage(ns, 'web')).toBe(`${image}:main-7f3a9c1`);
    }
    await controller.idle();
    const release = await cluster.getImage(nsB, 'release');
    expect(release.status?.tag).toBe('v1.0.0');

    // The same call again: accepted, evaluated, and nothing changes.
    const before = await Promise.all([nsA, nsB].map((ns) => cluster.getImage(ns, 'web')));
    const again = await hook({ repository: image, tag: 'main-7f3a9c1' });
    expect(again.status).toBe(202);
    await controller.idle();
    for (const [i, ns] of [nsA, nsB].entries()) {
      const now = await cluster.getImage(ns, 'web');
      expect(now.status?.tag).toBe('main-7f3a9c1');
      expect(now.status?.history).toHaveLength(before[i]!.status?.history?.length ?? 0);
      expect(await cluster.deploymentImage(ns, 'web')).toBe(`${image}:main-7f3a9c1`);
    }

    // A tag every Image's filter rejects: the response says why, nothing is queued, nothing changes.
    await pushImage(anon, repo, 'feature-x', { created: '2026-11-02T10:00:00Z' });
    const evaluations = controller.stats().evaluations;
    const refused = await hook({ repository: image, tag: 'feature-x' });
    expect(refused.status).toBe(202);
    const r = (await refused.json()) as HookAnswer;
    expect(r).toMatchObject({ triggered: 0, matched: 3 });
    expect(r.results.map((x) => x.reason).sort()).toEqual([
      'tag feature-x does not match tagFilter.include ^main-',
      'tag feature-x does not match tagFilter.include ^main-',
      'tag feature-x does not match tagFilter.include ^v',
    ]);
    await controller.idle();
    expect(controller.stats().evaluations).toBe(evaluations);
    for (const ns of [nsA, nsB]) expect((await cluster.getImage(ns, 'web')).status?.tag).toBe('main-7f3a9c1');
  });
});
