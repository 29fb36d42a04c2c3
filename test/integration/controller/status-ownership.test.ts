// Who owns which status field, read from the apiserver's managedFields after a real evaluation (a real
// registry, the controller's ServiceAccount) and a real operator status write: the controller's fields
// are applied (server-side apply) by `tagpilot-controller`, Ready and observedGeneration by
// `tagpilot-operator`, and a quiet tick writes nothing at all.
import { randomBytes } from 'node:crypto';
import type { V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Evaluator, type Trigger } from '../../../controller/engine/evaluate.js';
import { statusWrites } from '../../../controller/engine/metrics.js';
import { KubeEventRecorder } from '../../../controller/kube/events.js';
import { FIELD_MANAGER, ImageApi } from '../../../controller/kube/images.js';
import { PullSecretReader } from '../../../controller/kube/secrets.js';
import { KubePodReader } from '../../../controller/kube/pods.js';
import { KubeWorkloadClient } from '../../../controller/kube/workloads.js';
import { RegistryClient } from '../../../controller/registry/index.js';
import { IMAGE, type Image } from '../../../crds/index.js';
import { KubeWrites } from '../../../operator/reconcile/kube-writes.js';
import { imageReadiness, imageStatusUpdate } from '../../../operator/reconcile/image-status.js';
import { pushTags } from '../../testenv/images.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { Cluster, controllerKubeConfig, testLogger } from './support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
let ns: string;
let evaluator: Evaluator;
/** The controller's cache, refreshed from the API before each evaluation. */
let cached: Image | undefined;

beforeAll(async () => {
  const kc = await controllerKubeConfig(env);
  ns = await createTestNamespace(env, 'ctl-owners');
  const log = testLogger(env, 'status-ownership');
  const events = new KubeEventRecorder(kc, log, 'test');
  evaluator = new Evaluator({
    images: new ImageApi(kc),
    cache: { getByKey: () => cached, upsert: (o) => void (cached = o) },
    registry: new RegistryClient({ maxAttempts: 1, timeoutMs: 5_000 }),
    secrets: new PullSecretReader({ kubeConfig: kc }),
    actions: { workloads: new KubeWorkloadClient(kc), events, log, dryRun: false },
    pods: new KubePodReader(kc),
    events,
    log,
    dryRun: false,
    heartbeatMs: 3_600_000,
    nextCheck: () => new Date(Date.now() + 60_000),
  });
});

async function evaluate(name: string, trigger: Trigger): Promise<void> {
  cached = await cluster.getImage(ns, name);
  await evaluator.evaluate(`${ns}/${name}`, new Set([trigger]));
}

/** The status fields (and condition types) a manager owns through the status subresource. */
function owned(
  image: Image,
  manager: string,
): { operation?: string; fields: string[]; conditions: string[] } {
  const entries = (image.metadata.managedFields ?? []).filter(
    (e: V1ManagedFieldsEntry) => e.manager === manager && e.subresource === 'status',
  );
  expect(entries).toHaveLength(1);
  const status = ((entries[0]!.fieldsV1 as Record<string, Record<string, unknown>>)['f:status'] ??
    {}) as Record<string, unknown>;
  const conditions = Object.keys((status['f:conditions'] as Record<string, unknown>) ?? {})
    .filter((k) => k.startsWith('k:'))
    .map((k) => (JSON.parse(k.slice(2)) as { type: string }).type);
  const fields = Object.keys(status)
    .filter((k) => k.startsWith('f:'))
    .map((k) => k.slice(2))
    .sort();
  return { operation: entries[0]!.operation, fields, conditions };
}

async function writesSoFar(): Promise<Record<string, number>> {
  const values = (await statusWrites.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('status ownership', () => {
  it("applies the controller's fields under its own manager; the operator's Ready and observedGeneration stay its own", async () => {
    const repo = `owners-${randomBytes(3).toString('hex')}/web`;
    await pushTags(anon, repo, ['v1.0.0', 'v1.1.0']);
    await cluster.createImage(ns, 'web', {
      image: `${anon.host}/${repo}`,
      baseTag: 'v1.0.0',
      triggers: [{ type: 'crontab', value: '@hourly' }],
      rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
    });
    // The operator's reconciler writes first, with its own code and field manager.
    const fresh = await cluster.getImage(ns, 'web');
    const update = imageStatusUpdate(fresh, imageReadiness(fresh, new Set()), new Date());
    const writes = new KubeWrites(cluster.kc, testLogger(env, 'status-ownership-operator'));
    await writes.applyStatus(IMAGE, { namespace: ns, name: 'web' }, update!);

    await evaluate('web', 'new');
    const image = await cluster.getImage(ns, 'web');
    expect(image.status).toMatchObject({ tag: 'v1.1.0', result: 'Success', observedGeneration: 1 });
    expect(image.status?.history?.[0]).toMatchObject({ tag: 'v1.1.0', rule: 'semver-minor' });

    const controller = owned(image, FIELD_MANAGER);
    expect(controller.operation).toBe('Apply');
    // Every status field but the operator's observedGeneration: tag, digest, result, message, the two
    // check times, history and conditions.
    const statusFields = Object.keys(image.status ?? {}).filter((k) => k !== 'observedGeneration');
    expect(controller.fields).toEqual(statusFields.sort());
    expect(controller.fields).toHaveLength(8);
    expect(controller.conditions).toEqual(['UpToDate']);

    const operator = owned(image, 'tagpilot-operator');
    expect(operator.operation).toBe('Apply');
    expect(operator.fields).toEqual(['conditions', 'observedGeneration']);
    // Written before the controller's first evaluation: Reconciling (NotChecked) is the operator's too.
    expect(operator.conditions).toEqual(['Ready', 'Reconciling']);
    expect(image.status?.conditions?.map((c) => c.type).sort()).toEqual(['Ready', 'Reconciling', 'UpToDate']);

    // The operator's next reconcile sees the controller's UpToDate for this generation and drops
    // Reconciling by leaving it out of its apply; the controller's condition stays.
    const next = imageStatusUpdate(image, imageReadiness(image, new Set()), new Date());
    await writes.applyStatus(IMAGE, { namespace: ns, name: 'web' }, next!);
    const caught = await cluster.getImage(ns, 'web');
    expect(caught.status?.conditions?.map((c) => c.type).sort()).toEqual(['Ready', 'UpToDate']);
    expect(owned(caught, 'tagpilot-operator').conditions).toEqual(['Ready']);
  });

  it('a quiet tick writes nothing: same resourceVersion, no status write counted', async () => {
    const before = await cluster.getImage(ns, 'web');
    const counted = await writesSoFar();
    await evaluate('web', 'cron');
    await evaluate('web', 'cron');
    const after = await cluster.getImage(ns, 'web');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    const now = await writesSoFar();
    expect(now.written ?? 0).toBe(counted.written ?? 0);
    expect(now.heartbeat ?? 0).toBe(counted.heartbeat ?? 0);
    expect(now.skipped ?? 0).toBe((counted.skipped ?? 0) + 2);
  });
});
