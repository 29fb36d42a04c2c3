import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image } from '../crds/index.js';
import type { AdmissionRequest, AdmissionReview, JsonPatchOp } from './admission.js';
import { metricsRegistry } from '../common/metrics.js';
import { createAdmissionHandler } from './handler.js';
import { ImageIndex } from './image-index.js';

const index = new ImageIndex();
let server: Server;
let base: string;

const web: Image = {
  apiVersion: 'tagpilot.dev/v1alpha1',
  kind: 'Image',
  metadata: { name: 'web', namespace: 'team' },
  spec: {
    image: 'registry.local:5000/web',
    triggers: [{ type: 'webhook' }],
    rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
  },
  status: { tag: 'v1.4.2' },
};

beforeAll(async () => {
  index.upsert(web);
  server = createServer(createAdmissionHandler({ pins: index, log: pino({ level: 'silent' }) }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function review(path: string, request: Partial<AdmissionRequest>): Promise<AdmissionReview> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'u-1', operation: 'CREATE', ...request },
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as AdmissionReview;
}

const podKind = { group: '', version: 'v1', kind: 'Pod' };
const podResource = { group: '', version: 'v1', resource: 'pods' };

describe('admission handler', () => {
  it('answers /mutate with a base64 JSON patch and the request uid', async () => {
    const out = await review('/mutate', {
      kind: podKind,
      resource: podResource,
      namespace: 'team',
      object: { spec: { containers: [{ name: 'web', image: 'registry.local:5000/web:v1.0.0' }] } },
    });
    expect(out.response?.uid).toBe('u-1');
    expect(out.response?.allowed).toBe(true);
    expect(out.response?.patchType).toBe('JSONPatch');
    const patch = JSON.parse(Buffer.from(out.response!.patch!, 'base64').toString()) as JsonPatchOp[];
    expect(patch).toEqual([
      { op: 'replace', path: '/spec/containers/0/image', value: 'registry.local:5000/web:v1.4.2' },
    ]);
  });

  it('allows without a patch in a namespace without Images', async () => {
    const out = await review('/mutate', {
      kind: podKind,
      resource: podResource,
      namespace: 'other',
      object: { spec: { containers: [{ name: 'web', image: 'registry.local:5000/web:v1.0.0' }] } },
    });
    expect(out.response).toEqual({ uid: 'u-1', allowed: true });
  });

  it('denies an invalid Image on /validate naming the field', async () => {
    const object = { ...web, spec: { ...web.spec, triggers: [{ type: 'crontab', value: '* * *' }] } };
    const out = await review('/validate', {
      kind: { group: 'tagpilot.dev', version: 'v1alpha1', kind: 'Image' },
      resource: { group: 'tagpilot.dev', version: 'v1alpha1', resource: 'images' },
      name: 'web',
      namespace: 'team',
      object,
    });
    expect(out.response?.allowed).toBe(false);
    expect(out.response?.status?.code).toBe(422);
    expect(out.response?.status?.message).toMatch(
      /^Image web is invalid: spec\.triggers\[0\]\.value: schedule "\* \* \*" has 3 field\(s\)/,
    );
    expect(out.response?.status?.details?.causes?.[0]?.field).toBe('spec.triggers[0].value');
  });

  it('lets a metadata-only update of an invalid Image through', async () => {
    const object = { ...web, spec: { ...web.spec, triggers: [{ type: 'crontab', value: '* * *' }] } };
    const out = await review('/validate', {
      operation: 'UPDATE',
      kind: { group: 'tagpilot.dev', version: 'v1alpha1', kind: 'Image' },
      resource: { group: 'tagpilot.dev', version: 'v1alpha1', resource: 'images' },
      name: 'web',
      namespace: 'team',
      object: { ...object, metadata: { ...object.metadata, labels: { a: 'b' } } },
      oldObject: object,
    });
    expect(out.response?.allowed).toBe(true);
  });

  it('counts requests and durations by webhook and outcome when scraped', async () => {
    const text = await metricsRegistry.getSingleMetricAsString('tagpilot_admission_requests_total');
    expect(text).toMatch(
      /tagpilot_admission_requests_total\{webhook="mutate",kind="Pod",outcome="patched"\} 1\n/,
    );
    expect(text).toMatch(
      /tagpilot_admission_requests_total\{webhook="validate",kind="Image",outcome="denied"\} 1\n/,
    );
    const durations = await metricsRegistry.getSingleMetricAsString('tagpilot_admission_duration_seconds');
    expect(durations).toMatch(/tagpilot_admission_duration_seconds_count\{webhook="mutate"\} 2\n/);
  });

  it('answers 400 to a body that is not an AdmissionReview and 404 elsewhere', async () => {
    const bad = await fetch(`${base}/mutate`, { method: 'POST', body: '{"kind":"Pod"}' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/admissionReviewVersions/);
    expect((await fetch(`${base}/other`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
  it("leaves the controller's own workload updates as written (they run ahead of status)", async () => {
    const deployment = (image: string) => ({
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'web', image }] } } },
    });
    const update = (fieldManager: string) =>
      review('/mutate', {
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
        resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        namespace: 'team',
        operation: 'UPDATE',
        options: { fieldManager },
        object: deployment('registry.local:5000/web:v1.5.0'),
        oldObject: deployment('registry.local:5000/web:v1.4.2'),
      });
    expect((await update('tagpilot-controller')).response).toEqual({ uid: 'u-1', allowed: true });
    expect((await update('kubectl-edit')).response?.patch).toBeDefined();
  });
});
