// The admission webhooks end to end: the real apiserver calls the operator (running in-process as its
// ServiceAccount) over TLS on 127.0.0.1, and kubectl shows what users see.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IMAGE, type Image } from '../../crds/index.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { waitFor } from '../testenv/wait.js';
import { kubectl } from '../testenv/tools.js';
import {
  alertConfigObject,
  applyControllerStatus,
  imageObject,
  prepareCluster,
  removeWebhookConfigurations,
  startTestOperator,
  waitUntilAdmitting,
  type TestOperator,
} from '../integration/operator/support.js';

const env = inject('testenv');
const admin = adminKubeConfig(env);
const core = admin.makeApiClient(CoreV1Api);
const apps = admin.makeApiClient(AppsV1Api);
const batch = admin.makeApiClient(BatchV1Api);
const custom = admin.makeApiClient(CustomObjectsApi);
const OPT_IN = { 'tagpilot.dev/webhook': 'enabled' };
const DIGEST = `sha256:${'c'.repeat(64)}`;

let sa: KubeConfig;
let operator: TestOperator | undefined;
let optedIn: string;
let plain: string;

async function createImage(
  namespace: string,
  img: Image,
  status: NonNullable<Image['status']>,
): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: IMAGE.group,
    version: IMAGE.version,
    plural: IMAGE.plural,
    namespace,
    body: img,
  });
  await applyControllerStatus(admin, namespace, img.metadata.name!, status);
}

const podSpec = (image: string): V1PodSpec => ({
  initContainers: [{ name: 'init', image }],
  containers: [
    { name: 'web', image },
    { name: 'sidecar', image: 'busybox:1.36' },
  ],
});

async function createPod(
  namespace: string,
  name: string,
  image: string,
  labels: Record<string, string> = {},
) {
  return core.createNamespacedPod({ namespace, body: { metadata: { name, labels }, spec: podSpec(image) } });
}

/** Every Image in a namespace reaches the webhook's cache before tests rely on it. */
async function waitForPin(namespace: string, want: string): Promise<void> {
  await waitFor(`the webhook to pin web in ${namespace} to ${want}`, async () => {
    const pod = await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { generateName: 'probe-' },
        spec: { containers: [{ name: 'web', image: 'web:v1.0.0' }] },
      },
      dryRun: 'All',
    });
    return pod.spec?.containers[0]?.image === want;
  });
}

beforeAll(async () => {
  await removeWebhookConfigurations(env);
  sa = await prepareCluster(env);
  operator = await startTestOperator(sa);
  await waitUntilAdmitting(env, operator);
  optedIn = await createTestNamespace(env, 'adm-in', OPT_IN);
  plain = await createTestNamespace(env, 'adm-out');
  for (const ns of [optedIn, plain]) {
    await createImage(ns, imageObject('web', ns, { image: 'web' }), { tag: 'v1.4.2', result: 'Success' });
  }
  await createImage(
    optedIn,
    imageObject('api', optedIn, {
      image: 'registry.local:5000/acme/api',
      rules: [{ type: 'digest', actions: [{ type: 'apply' }] }],
    }),
    { tag: 'latest', digest: DIGEST },
  );
  await waitForPin(optedIn, 'web:v1.4.2');
});

afterAll(async () => {
  await operator?.stop();
  await removeWebhookConfigurations(env);
});

describe('mutating webhook', () => {
  it('pins a Pod in an opted-in namespace to status.tag, init containers too', async () => {
    const pod = await createPod(optedIn, 'web', 'web:v1.0.0');
    expect(pod.spec?.initContainers?.[0]?.image).toBe('web:v1.4.2');
    expect(pod.spec?.containers.map((c) => c.image)).toEqual(['web:v1.4.2', 'busybox:1.36']);
  });

  it('pins a Deployment, whose Pods then run the pinned tag', async () => {
    const labels = { app: 'web' };
    const d = await apps.createNamespacedDeployment({
      namespace: optedIn,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: podSpec('web:v1.0.0') },
        },
      },
    });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe('web:v1.4.2');
    const pods = await waitFor(
      'the Deployment Pods to run',
      async () => {
        const list = await core.listNamespacedPod({ namespace: optedIn, labelSelector: 'app=web' });
        return list.items.length === 2 && list.items.every((p) => p.status?.phase === 'Running')
          ? list.items
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    for (const p of pods) expect(p.spec?.containers[0]?.image).toBe('web:v1.4.2');
  });

  it('pins every workload kind (server-side dry run)', async () => {
    const template = {
      metadata: { labels: { app: 'w' } },
      spec: { ...podSpec('docker.io/library/web:v1.0.0'), restartPolicy: 'OnFailure' },
    };
    const selector = { matchLabels: { app: 'w' } };
    const dryRun = 'All';
    const ss = await apps.createNamespacedStatefulSet({
      namespace: optedIn,
      dryRun,
      body: {
        metadata: { name: 'w' },
        spec: {
          serviceName: 'w',
          selector,
          template: { ...template, spec: podSpec('docker.io/library/web:v1.0.0') },
        },
      },
    });
    const ds = await apps.createNamespacedDaemonSet({
      namespace: optedIn,
      dryRun,
      body: {
        metadata: { name: 'w' },
        spec: { selector, template: { ...template, spec: podSpec('docker.io/library/web:v1.0.0') } },
      },
    });
    const rs = await apps.createNamespacedReplicaSet({
      namespace: optedIn,
      dryRun,
      body: {
        metadata: { name: 'w' },
        spec: { selector, template: { ...template, spec: podSpec('docker.io/library/web:v1.0.0') } },
      },
    });
    const job = await batch.createNamespacedJob({
      namespace: optedIn,
      dryRun,
      body: { metadata: { name: 'w' }, spec: { template } },
    });
    const cron = await batch.createNamespacedCronJob({
      namespace: optedIn,
      dryRun,
      body: { metadata: { name: 'w' }, spec: { schedule: '@hourly', jobTemplate: { spec: { template } } } },
    });
    const specs = [ss, ds, rs, job].map((o) => o.spec?.template?.spec);
    specs.push(cron.spec?.jobTemplate.spec?.template.spec);
    for (const spec of specs) {
      expect(spec?.initContainers?.[0]?.image).toBe('docker.io/library/web:v1.4.2');
      expect(spec?.containers[0]?.image).toBe('docker.io/library/web:v1.4.2');
    }
  });

  it('pins tag and digest for an Image that tracks digests', async () => {
    const pod = await createPod(optedIn, 'api', 'registry.local:5000/acme/api:latest');
    expect(pod.spec?.containers[0]?.image).toBe(`registry.local:5000/acme/api:latest@${DIGEST}`);
  });

  it('re-pins a Deployment on update to what the Image says now', async () => {
    await applyControllerStatus(admin, optedIn, 'web', { tag: 'v1.5.0', result: 'Success' });
    await waitForPin(optedIn, 'web:v1.5.0');
    const d = await apps.patchNamespacedDeployment({
      namespace: optedIn,
      name: 'web',
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'web:v1.0.0' }],
    });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe('web:v1.5.0');
  });

  it('leaves a namespace that is not opted in untouched', async () => {
    const pod = await createPod(plain, 'web', 'web:v1.0.0');
    expect(pod.spec?.containers[0]?.image).toBe('web:v1.0.0');
    const d = await apps.createNamespacedDeployment({
      namespace: plain,
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: podSpec('web:v1.0.0') },
        },
      },
    });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe('web:v1.0.0');
  });

  it('pins an object that opts in by label in a namespace that does not', async () => {
    const pod = await createPod(plain, 'labelled', 'web:v1.0.0', OPT_IN);
    expect(pod.spec?.containers[0]?.image).toBe('web:v1.4.2');
  });

  it('leaves an object that opts out alone in an opted-in namespace', async () => {
    const pod = await createPod(optedIn, 'opted-out', 'web:v1.0.0', { 'tagpilot.dev/webhook': 'disabled' });
    expect(pod.spec?.containers[0]?.image).toBe('web:v1.0.0');
  });
});

describe('validating webhook', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-admission-'));

  async function apply(name: string, obj: object) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(obj));
    return kubectl(env.kubeconfig, ['apply', '-f', file]);
  }

  it.each([
    [
      'an invalid cron expression',
      { triggers: [{ type: 'crontab' as const, value: '0 25 * * *' }] },
      /spec\.triggers\[0\]\.value: schedule "0 25 \* \* \*": the hour field "25" is not valid/,
    ],
    [
      'an unknown time zone',
      { triggers: [{ type: 'crontab' as const, value: '@daily', timezone: 'Europe/Atlantis' }] },
      /spec\.triggers\[0\]\.timezone: unknown time zone "Europe\/Atlantis"/,
    ],
    [
      'an uncompilable regex',
      { rules: [{ type: 'regex' as const, value: '^v(\\d+', actions: [{ type: 'apply' as const }] }] },
      /spec\.rules\[0\]\.value: invalid regular expression/,
    ],
    [
      'a bad semver range',
      {
        rules: [{ type: 'semver-range' as const, value: '>=one.two', actions: [{ type: 'apply' as const }] }],
      },
      /spec\.rules\[0\]\.value: invalid semver range ">=one\.two"/,
    ],
  ])('rejects an Image with %s at kubectl apply, naming the field', async (_what, spec, message) => {
    const out = await apply('bad', imageObject('bad', optedIn, spec));
    expect(out.code).not.toBe(0);
    // kubectl prints webhook denials like schema errors: `The Image "bad" is invalid: <field>: <why>`.
    expect(out.stderr).toMatch(/^The Image "bad" is invalid: /);
    expect(out.stderr).toMatch(message);
  });

  it('says in the API error that the webhook denied the request', async () => {
    const err = await custom
      .createNamespacedCustomObject({
        group: IMAGE.group,
        version: IMAGE.version,
        plural: IMAGE.plural,
        namespace: optedIn,
        body: imageObject('api-client', optedIn, { triggers: [{ type: 'crontab', value: '@fortnightly' }] }),
      })
      .then(
        () => undefined,
        (e: { code?: number; body?: string }) => e,
      );
    expect(err?.code).toBe(422);
    expect(err?.body).toMatch(
      /admission webhook \\?"validate\.tagpilot\.dev\\?" denied the request: Image api-client is invalid: spec\.triggers\[0\]\.value: unknown schedule macro/,
    );
  });

  it('accepts a valid Image and rejects an AlertConfig with a broken template', async () => {
    const ok = await apply(
      'good',
      imageObject('good', optedIn, {
        triggers: [{ type: 'crontab', value: '*/30 * * * *', timezone: 'Europe/Paris' }],
      }),
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const bad = await apply(
      'ac',
      alertConfigObject('team', optedIn, {
        webhook: { url: 'https://hooks.example.com/x' },
        templateSubject: '{{ .newtag }}',
      }),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(
      /spec\.templateSubject: Invalid value: line 1, column 1: unknown variable \.newtag \(did you mean \.newTag\?\)/,
    );
  });
});

describe('with the operator stopped', () => {
  it('lets creates through unchanged under failurePolicy Ignore', async () => {
    await operator?.stop();
    operator = undefined;
    const pod = await createPod(optedIn, 'while-down', 'web:v1.0.0');
    expect(pod.spec?.containers[0]?.image).toBe('web:v1.0.0');
    const d = await apps.createNamespacedDeployment({
      namespace: optedIn,
      body: {
        metadata: { name: 'while-down' },
        spec: {
          selector: { matchLabels: { app: 'down' } },
          template: { metadata: { labels: { app: 'down' } }, spec: podSpec('web:v1.0.0') },
        },
      },
    });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe('web:v1.0.0');
    // The validating webhook fails open too; the operator reports such an Image as InvalidSpec later.
    const img = await custom.createNamespacedCustomObject({
      group: IMAGE.group,
      version: IMAGE.version,
      plural: IMAGE.plural,
      namespace: optedIn,
      body: imageObject('while-down', optedIn, { triggers: [{ type: 'crontab', value: '0 25 * * *' }] }),
    });
    expect((img as Image).metadata.name).toBe('while-down');
  });
});
