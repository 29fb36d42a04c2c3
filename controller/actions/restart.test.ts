// restart with running-pod truth: only workloads that run a stale digest roll, and never twice for one.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../crds/index.js';
import type { WorkloadTruth } from '../../domain/pods/truth.js';
import type { Workload, WorkloadClient } from '../kube/workloads.js';
import { restartAction } from './restart.js';
import type { Change } from './types.js';
import { rolloutMark } from './workloads.js';

const REPO = 'registry.example.com/team/web';
const DIGEST = `sha256:${'2'.repeat(64)}`;
const mark = rolloutMark('web', 'latest', DIGEST);

function deployment(name: string, annotations: Record<string, string> = {}): Workload {
  return {
    kind: 'Deployment',
    metadata: { name, namespace: 'ns' },
    spec: {
      template: {
        metadata: { annotations },
        spec: { containers: [{ name: 'main', image: `${REPO}:latest` }] },
      },
    },
  };
}

const truth = (t: Partial<WorkloadTruth>): WorkloadTruth => ({
  current: 0,
  stale: 0,
  unknown: 0,
  staleAfterRestart: 0,
  ...t,
});

describe('restartAction with running-pod truth', () => {
  it('restarts stale and not-comparable workloads, leaves current ones, reports the ones a restart did not help', async () => {
    const list = [
      deployment('stale'),
      deployment('current'),
      deployment('stuck', { [mark.key]: mark.value }),
      deployment('no-pods'),
      deployment('pending'),
    ];
    const patched: string[] = [];
    const workloads = {
      listUsing: async () => list,
      strategicPatch: async (_k: string, _ns: string, name: string) => {
        patched.push(name);
        return list.find((w) => w.metadata.name === name)!;
      },
    } as unknown as WorkloadClient;
    const image = {
      metadata: { name: 'web', namespace: 'ns' },
      spec: { image: REPO, triggers: [], rules: [] },
    } as unknown as Image;
    const change: Change = {
      image,
      repository: REPO,
      previousTag: 'latest',
      tag: 'latest',
      digest: DIGEST,
      pinDigest: true,
      rule: 'digest',
      time: new Date('2026-11-28T10:00:00Z'),
      availableTags: ['latest'],
      pods: {
        status: { current: 2, stale: 2, unknown: 1 },
        workloads: new Map([
          ['Deployment/stale', truth({ stale: 1, current: 1 })],
          ['Deployment/current', truth({ current: 1 })],
          ['Deployment/stuck', truth({ stale: 1, staleAfterRestart: 1 })],
          ['Deployment/pending', truth({ unknown: 1 })],
        ]),
      },
    };
    const result = await restartAction(
      change,
      { workloads, events: { record: async () => undefined }, log: pino({ level: 'silent' }), dryRun: false },
      { patched: new Set(), applied: [] },
    );
    expect(patched).toEqual(['stale', 'no-pods', 'pending']);
    expect(result.ok).toBe(true);
    expect(result.summary).toContain('Deployment/current not restarted (every running Pod runs');
    expect(result.summary).toContain('Deployment/stuck still run a stale digest after the restart');
  });
});
