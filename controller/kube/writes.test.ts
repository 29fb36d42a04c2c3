// The controller's hot writes on the thin JSON path (common/kube-json.ts): what each sends, and that the
// errors callers classify (stale write, transient, not found) still read as they did.
import { afterEach, describe, expect, it } from 'vitest';
import { reuseConnections } from '../../common/kube-connections.js';
import { createLogger } from '../../common/logger.js';
import { fakeApiserver, statusBody, type FakeApiserver } from '../../test/fakes/apiserver.js';
import { isNotFound, isStaleWrite, isTransientKubeError } from './errors.js';
import { KubeEventRecorder, imageTarget } from './events.js';
import { FIELD_MANAGER, ImageApi } from './images.js';
import { KubeWorkloadClient, workloadPath } from './workloads.js';

let peer: FakeApiserver | undefined;
/** The fake's KubeConfig sharing one keep-alive agent, as the programs' does (common/kube.ts). */
const kc = () => reuseConnections(peer!.kubeConfig());
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

const image = {
  metadata: { name: 'web', namespace: 'team', uid: 'u-1', resourceVersion: '7' },
};

describe('the status write', () => {
  it('is a forced server-side apply of the status subresource under the controller field manager', async () => {
    peer = await fakeApiserver(() => ({
      status: 200,
      body: JSON.stringify({ ...image, status: { tag: 'v2' } }),
    }));
    const stored = await new ImageApi(kc()).applyStatus(
      { namespace: 'team', name: 'web', uid: 'u-1' },
      { tag: 'v2' },
    );
    expect(stored.status?.tag).toBe('v2');
    const [s] = peer.seen;
    expect(s?.method).toBe('PATCH');
    expect(s?.url).toBe(
      `/apis/tagpilot.dev/v1alpha1/namespaces/team/images/web/status?fieldManager=${FIELD_MANAGER}&force=true`,
    );
    expect(s?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(JSON.parse(s?.body ?? '')).toEqual({
      apiVersion: 'tagpilot.dev/v1alpha1',
      kind: 'Image',
      metadata: { name: 'web', namespace: 'team', uid: 'u-1' },
      status: { tag: 'v2' },
    });
  });

  it('a deleted Image is NotFound (the status writer treats it as nothing to write)', async () => {
    peer = await fakeApiserver(() => ({
      status: 404,
      body: statusBody(404, 'images.tagpilot.dev "web" not found'),
    }));
    const err = await new ImageApi(kc())
      .applyStatus({ namespace: 'team', name: 'web' }, { tag: 'v2' })
      .catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
  });
});

describe('Events', () => {
  it('posts a core/v1 Event about the object, with the reason, message and times', async () => {
    peer = await fakeApiserver(() => ({ status: 201, body: '{}' }));
    const recorded: boolean[] = [];
    const recorder = new KubeEventRecorder(kc(), createLogger('test', { level: 'silent' }), 'pod-1', (ok) =>
      recorded.push(ok),
    );
    await recorder.record(imageTarget(image), 'Normal', 'NewTag', 'v1 → v2');
    const [s] = peer.seen;
    expect(s?.method).toBe('POST');
    expect(s?.url).toBe('/api/v1/namespaces/team/events');
    const body = JSON.parse(s?.body ?? '') as Record<string, unknown>;
    expect(body).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: 'team' },
      involvedObject: {
        apiVersion: 'tagpilot.dev/v1alpha1',
        kind: 'Image',
        name: 'web',
        namespace: 'team',
        uid: 'u-1',
      },
      type: 'Normal',
      reason: 'NewTag',
      message: 'v1 → v2',
      count: 1,
      source: { component: 'tagpilot-controller' },
      reportingComponent: 'tagpilot-controller',
      reportingInstance: 'pod-1',
    });
    expect(String((body.metadata as { name: string }).name)).toMatch(/^web\.[0-9a-f]{25,}$/);
    expect(new Date(String(body.firstTimestamp)).toISOString()).toBe(body.firstTimestamp);
    expect(body.lastTimestamp).toBe(body.firstTimestamp);
    expect(recorded).toEqual([true]);
  });

  it('a refused Event is counted and logged, never thrown', async () => {
    peer = await fakeApiserver(() => ({ status: 403, body: statusBody(403, 'events is forbidden') }));
    const recorded: boolean[] = [];
    const recorder = new KubeEventRecorder(kc(), createLogger('test', { level: 'silent' }), 'pod-1', (ok) =>
      recorded.push(ok),
    );
    await expect(recorder.record(imageTarget(image), 'Warning', 'Held', 'x')).resolves.toBeUndefined();
    expect(recorded).toEqual([false]);
  });
});

describe('workload patches', () => {
  it('go to each kind’s own API group and path, under the controller field manager', async () => {
    peer = await fakeApiserver((s) => ({
      status: 200,
      body: JSON.stringify({
        metadata: { name: 'web', namespace: 'team', managedFields: [{ manager: 'kubectl' }] },
        spec: { seen: s.headers['content-type'] },
      }),
    }));
    const client = new KubeWorkloadClient(kc());
    const patched = await client.jsonPatch('Deployment', 'team', 'web', [
      { op: 'test', path: '/a', value: 1 },
    ]);
    await client.strategicPatch('CronJob', 'team', 'web', { spec: {} });
    expect(peer.seen.map((s) => `${s.method} ${s.url} ${s.headers['content-type']}`)).toEqual([
      `PATCH /apis/apps/v1/namespaces/team/deployments/web?fieldManager=${FIELD_MANAGER} application/json-patch+json`,
      `PATCH /apis/batch/v1/namespaces/team/cronjobs/web?fieldManager=${FIELD_MANAGER} application/strategic-merge-patch+json`,
    ]);
    expect(JSON.parse(peer.seen[0]?.body ?? '')).toEqual([{ op: 'test', path: '/a', value: 1 }]);
    // The stored object comes back as the workload client's compact Workload.
    expect(patched).toMatchObject({ kind: 'Deployment', metadata: { name: 'web' } });
    expect(patched.metadata.managedFields).toBeUndefined();
  });

  it('every kind has its path', () => {
    expect(workloadPath('StatefulSet', 'a b', 'x')).toBe('/apis/apps/v1/namespaces/a%20b/statefulsets/x');
    expect(workloadPath('DaemonSet', 'a', 'x')).toBe('/apis/apps/v1/namespaces/a/daemonsets/x');
  });

  it('a failed test op is a stale write (apply re-reads), a 503 is transient, a 403 is not', async () => {
    const answers = [
      {
        status: 422,
        body: statusBody(422, 'the server rejected our request due to an error in our request'),
      },
      { status: 503, body: statusBody(503, 'etcdserver: leader changed') },
      { status: 403, body: statusBody(403, 'deployments.apps "web" is forbidden') },
    ];
    peer = await fakeApiserver(() => answers[peer!.seen.length - 1]!);
    const client = new KubeWorkloadClient(kc());
    const errs: unknown[] = [];
    for (let i = 0; i < answers.length; i++)
      await client.jsonPatch('Deployment', 'team', 'web', []).catch((e: unknown) => errs.push(e));
    expect(isStaleWrite(errs[0])).toBe(true);
    expect(isTransientKubeError(errs[1])).toBe(true);
    expect(isTransientKubeError(errs[2])).toBe(false);
    expect(isStaleWrite(errs[2])).toBe(false);
  });
});
