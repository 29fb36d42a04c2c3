import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { applyAction } from '../actions/apply.js';
import type { Workload } from '../kube/workloads.js';
import { REPO, setup } from './evaluate.fakes.js';

type Containers = { template: { spec: { containers: { image: string }[] } } };

/** What `kubectl rollout undo` leaves: the old reference, its image field owned by kubectl. */
function rollBackByHand(t: ReturnType<typeof setup>, tag: string, at: string): void {
  const d = t.workloads.deployment;
  (d.spec as Containers).template.spec.containers[0]!.image = `${REPO}:${tag}`;
  d.metadata.managedFields = [
    {
      manager: 'kubectl-rollout',
      operation: 'Update',
      time: at,
      fieldsV1: {
        'f:spec': {
          'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { 'f:image': {} } } } },
        },
      },
    },
  ];
}

const image = (t: ReturnType<typeof setup>) =>
  (t.workloads.deployment.spec as Containers).template.spec.containers[0]!.image;

async function movedToV11(spec: Parameters<typeof setup>[0] = {}) {
  const t = setup(spec);
  await t.run('new');
  t.registry.tags = ['v1.0.0', 'v1.1.0'];
  await t.run();
  expect(image(t)).toBe(`${REPO}:v1.1.0`);
  t.now.at = new Date('2026-01-01T00:10:00Z');
  return t;
}

describe('holds in the evaluation', () => {
  it('records a hand rollback once, leaves it alone on later ticks, and says so in UpToDate', async () => {
    const t = await movedToV11();
    rollBackByHand(t, 'v1.0.0', '2026-01-01T00:05:00Z');
    await t.run();
    const s = t.images.image.status!;
    expect(s.tag).toBe('v1.1.0');
    expect(s.holds).toEqual([
      {
        kind: 'Deployment',
        name: 'web',
        container: 'main',
        reference: `${REPO}:v1.0.0`,
        from: 'v1.1.0',
        by: 'kubectl-rollout',
        since: '2026-01-01T00:05:00Z',
      },
    ]);
    expect(s.conditions?.find((c) => c.type === 'UpToDate')).toMatchObject({
      status: 'False',
      reason: 'Held',
    });
    expect(s.message).toMatch(
      /^held Deployment\/web after a hand rollback: .* runs .*:v1\.0\.0 \(written by kubectl-rollout/,
    );
    // One on the Image, one on the Deployment.
    expect(t.events.filter((e) => e === 'Held')).toHaveLength(2);
    const patches = t.workloads.patched.length;
    await t.run();
    await t.run();
    expect(t.events.filter((e) => e === 'Held')).toHaveLength(2);
    expect(t.workloads.patched).toHaveLength(patches);
    expect(image(t)).toBe(`${REPO}:v1.0.0`);
  });

  it('the release annotation gives the workload status.tag back and removes the annotation', async () => {
    const t = await movedToV11();
    rollBackByHand(t, 'v1.0.0', '2026-01-01T00:05:00Z');
    await t.run();
    t.images.image.metadata.annotations = { 'tagpilot.dev/release': 'deployment/web' };
    await t.run('release');
    expect(t.images.image.status?.holds).toBeUndefined();
    expect(image(t)).toBe(`${REPO}:v1.1.0`);
    expect(t.events).toContain('HoldReleased');
    expect(t.images.metadataPatches.at(-1)).toEqual([
      { op: 'test', path: '/metadata/annotations/tagpilot.dev~1release', value: 'deployment/web' },
      { op: 'remove', path: '/metadata/annotations/tagpilot.dev~1release' },
    ]);
    expect(t.images.image.status?.conditions?.find((c) => c.type === 'UpToDate')).toMatchObject({
      status: 'True',
      reason: 'Released',
    });
  });

  it('a newer tag ends the hold and reaches the workload', async () => {
    const t = await movedToV11();
    rollBackByHand(t, 'v1.0.0', '2026-01-01T00:05:00Z');
    await t.run();
    t.registry.tags = ['v1.0.0', 'v1.1.0', 'v1.2.0'];
    await t.run();
    expect(t.images.image.status).toMatchObject({ tag: 'v1.2.0' });
    expect(t.images.image.status?.holds).toBeUndefined();
    expect(image(t)).toBe(`${REPO}:v1.2.0`);
    expect(t.events).toContain('HoldReleased');
  });

  it('a workload still on an older tag from before the change is not held', async () => {
    const t = await movedToV11();
    rollBackByHand(t, 'v1.0.0', '2025-12-31T23:00:00Z');
    await t.run();
    expect(t.images.image.status?.holds).toBeUndefined();
  });

  it('an Image without apply holds nothing', async () => {
    const t = await movedToV11();
    t.images.image.spec.rules = [{ type: 'semver-minor', actions: [{ type: 'restart' }] }];
    rollBackByHand(t, 'v1.0.0', '2026-01-01T00:05:00Z');
    await t.run();
    expect(t.images.image.status?.holds).toBeUndefined();
  });
});

describe('apply and held workloads', () => {
  it('skips a held workload and says so; the others are patched', async () => {
    const workload = (name: string): Workload => ({
      kind: 'Deployment',
      metadata: { name, namespace: 'ns' },
      spec: { template: { spec: { containers: [{ name: 'main', image: `${REPO}:v1.0.0` }] } } },
    });
    const patched: string[] = [];
    const t = setup();
    const result = await applyAction(
      {
        image: t.images.image,
        repository: REPO,
        previousTag: 'v1.0.0',
        tag: 'v1.1.0',
        digest: undefined,
        pinDigest: false,
        rule: 'semver-minor',
        time: new Date(),
        availableTags: [],
        held: new Set(['Deployment/web']),
      },
      {
        workloads: {
          list: async () => [workload('web'), workload('api')],
          listUsing: async () => [workload('web'), workload('api')],
          get: async (_k, _ns, name) => workload(name),
          find: async (_k, _ns, name) => workload(name),
          jsonPatch: async (_k, _ns, name) => (patched.push(name), workload(name)),
          strategicPatch: async (_k, _ns, name) => workload(name),
        },
        events: { record: async () => undefined },
        log: pino({ level: 'silent' }),
        dryRun: false,
      },
      { patched: new Set(), applied: [] },
    );
    expect(patched).toEqual(['api']);
    expect(result.summary).toBe(
      'apply: patched Deployment/api (container main); Deployment/web held after a hand rollback (status.holds), left alone',
    );
  });
});
