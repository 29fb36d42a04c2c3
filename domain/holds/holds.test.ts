import { describe, expect, it } from 'vitest';
import type { ImageHold } from '../../crds/index.js';
import { detectHolds, heldWorkloads, releaseHolds, releaseTargets, type HeldCandidate } from './holds.js';

const CONTROLLER = 'tagpilot-controller';
const CHANGED = '2026-11-28T10:00:00.400Z';

const container = (image: string, owner?: HeldCandidate['owner'], more: Partial<HeldCandidate> = {}) => ({
  kind: 'Deployment' as const,
  name: 'web',
  container: 'web',
  init: false,
  image,
  ...(owner ? { owner } : {}),
  ...more,
});

const held = (more: Partial<ImageHold> = {}): ImageHold => ({
  kind: 'Deployment',
  name: 'web',
  container: 'web',
  reference: 'reg/web:v1',
  from: 'v2',
  by: 'kubectl-rollout',
  since: '2026-11-28T10:05:00Z',
  ...more,
});

const detect = (containers: HeldCandidate[], holds?: ImageHold[], changedAt: string | null = CHANGED) =>
  detectHolds({
    tag: 'v2',
    changedAt: changedAt ?? undefined,
    controllerManager: CONTROLLER,
    containers,
    holds,
    now: '2026-11-28T10:10:00Z',
  });

describe('detectHolds', () => {
  it.each([
    ['runs status.tag', container('reg/web:v2', { manager: 'kubectl', time: '2026-11-28T10:05:00Z' }), false],
    [
      'written by someone else after the change (kubectl rollout undo)',
      container('reg/web:v1', { manager: 'kubectl-rollout', time: '2026-11-28T10:05:00Z' }),
      true,
    ],
    [
      'written by the controller (its own health-gate rollback)',
      container('reg/web:v1', { manager: CONTROLLER, time: '2026-11-28T10:05:00Z' }),
      false,
    ],
    [
      'written before the change (a workload still on an old tag at adoption)',
      container('reg/web:v1', { manager: 'kubectl-client-side-apply', time: '2026-11-28T09:00:00Z' }),
      false,
    ],
    [
      'written in the same second as the change (recorded after its apply: a quick undo)',
      container('reg/web:v1', { manager: 'kubectl', time: '2026-11-28T10:00:00Z' }),
      true,
    ],
    [
      'written the second before the change',
      container('reg/web:v1', { manager: 'kubectl', time: '2026-11-28T09:59:59Z' }),
      false,
    ],
    ['no owner known', container('reg/web:v1'), false],
    ['owner without a time', container('reg/web:v1', { manager: 'kubectl' }), false],
  ])('%s → held: %s', (_, c, expected) => {
    const out = detect([c]);
    expect(out.holds.length > 0).toBe(expected);
    expect(out.added.length > 0).toBe(expected);
  });

  it('records who, what and since', () => {
    const out = detect([
      container('reg/web:v1', { manager: 'kubectl-rollout', time: '2026-11-28T10:05:00Z' }, { init: true }),
    ]);
    expect(out.holds).toEqual([
      {
        kind: 'Deployment',
        name: 'web',
        container: 'web',
        init: true,
        reference: 'reg/web:v1',
        from: 'v2',
        by: 'kubectl-rollout',
        since: '2026-11-28T10:05:00Z',
      },
    ]);
  });

  it('nothing is held before Tagpilot recorded any change', () => {
    const c = container('reg/web:v1', { manager: 'kubectl', time: '2026-11-28T10:05:00Z' });
    expect(detect([c], undefined, null).holds).toEqual([]);
  });

  it('keeps a hold while the container runs the held reference, whoever owns it now', () => {
    const h = held();
    const out = detect([container('reg/web:v1', { manager: CONTROLLER, time: '2026-11-28T10:09:00Z' })], [h]);
    expect(out).toEqual({ holds: [h], added: [], dropped: [] });
  });

  it('follows a container rolled back further, without announcing a new hold', () => {
    const out = detect(
      [container('reg/web:v0', { manager: 'kubectl', time: '2026-11-28T10:08:00Z' })],
      [held()],
    );
    expect(out.holds.map((h) => h.reference)).toEqual(['reg/web:v0']);
    expect(out.added).toEqual([]);
  });

  it.each([
    ['the container runs status.tag again', [container('reg/web:v2', { manager: 'kubectl' })]],
    ['the workload is gone', []],
  ])('drops a hold when %s', (_, containers) => {
    const out = detect(containers, [held()]);
    expect(out.holds).toEqual([]);
    expect(out.dropped).toEqual([held()]);
  });

  it('compares with the digest when the Image pins digests', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    const out = detectHolds({
      tag: 'v2',
      digest: d,
      changedAt: CHANGED,
      controllerManager: CONTROLLER,
      containers: [container('reg/web:v2', { manager: 'kubectl', time: '2026-11-28T10:05:00Z' })],
      holds: undefined,
      now: '2026-11-28T10:10:00Z',
    });
    expect(out.holds.map((h) => h.reference)).toEqual(['reg/web:v2']);
  });
});

describe('releaseHolds', () => {
  const web = held();
  const api = held({ name: 'api' });
  const cron = held({ kind: 'CronJob', name: 'nightly' });
  it.each([
    ['no annotation, no decision', {}, ['web', 'api', 'nightly']],
    ['the workload named', { annotation: 'Deployment/web' }, ['api', 'nightly']],
    ['kubectl spelling of the kind', { annotation: 'deployment/web' }, ['api', 'nightly']],
    ['several names', { annotation: 'deployment/api, cronjob/nightly' }, ['web']],
    ['all', { annotation: 'all' }, []],
    ['a name that is not held', { annotation: 'Deployment/other' }, ['web', 'api', 'nightly']],
    ['a new decision', { decided: { tag: 'v3' } }, []],
  ])('%s', (_, release, kept) => {
    const out = releaseHolds([web, api, cron], release);
    expect(out.kept.map((h) => h.name)).toEqual(kept);
    expect(out.released.length).toBe(3 - kept.length);
  });

  it('says why', () => {
    expect(releaseHolds([web], { decided: { tag: 'v3' } }).released[0]?.why).toBe(
      'the rules picked v3, newer than v2 that was rolled back',
    );
    expect(releaseHolds([web], { annotation: 'all' }).released[0]?.why).toBe(
      'released by the annotation tagpilot.dev/release=all',
    );
  });

  it('reads the annotation value', () => {
    expect(releaseTargets(' ALL ')).toMatchObject({ all: true });
    expect([...releaseTargets('StatefulSet/db,').workloads]).toEqual(['statefulset/db']);
    expect(releaseTargets(undefined)).toEqual({ all: false, workloads: new Set() });
  });

  it('names the held workloads', () => {
    expect([...heldWorkloads([web, held({ container: 'sidecar' }), cron])]).toEqual([
      'Deployment/web',
      'CronJob/nightly',
    ]);
  });
});
