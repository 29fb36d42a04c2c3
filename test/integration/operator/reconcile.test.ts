// The operator's reconcilers and certificate handling against the real apiserver, running as its
// ServiceAccount under the shipped RBAC.
import { X509Certificate } from 'node:crypto';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IMAGE, type AlertConfig, type Image } from '../../../crds/index.js';
import { adminKubeConfig, createTestNamespace } from '../../testenv/kube.js';
import { waitFor } from '../../testenv/wait.js';
import {
  alertConfigObject,
  applyControllerStatus,
  createAlertConfig as createAlertConfigIn,
  getAlertConfig as getAlertConfigIn,
  CERT_SECRET,
  getImage,
  imageObject,
  metricValue,
  OPERATOR_NAMESPACE,
  prepareCluster,
  readyOf,
  removeWebhookConfigurations,
  startTestOperator,
  waitUntilAdmitting,
  WEBHOOK_CONFIG,
  type TestOperator,
} from './support.js';

const env = inject('testenv');
const admin = adminKubeConfig(env);
const custom = admin.makeApiClient(CustomObjectsApi);
const core = admin.makeApiClient(CoreV1Api);
let saKubeConfig: KubeConfig;
let operator: TestOperator | undefined;
let ns: string;

function createImage(img: Image) {
  return custom.createNamespacedCustomObject({
    group: IMAGE.group,
    version: IMAGE.version,
    plural: IMAGE.plural,
    namespace: ns,
    body: img,
  });
}
const createAlertConfig = (ac: AlertConfig) => createAlertConfigIn(admin, ac);
const getAlertConfig = (name: string) => getAlertConfigIn(admin, ns, name);

function waitForReady<
  T extends { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } },
>(what: string, get: () => Promise<T>, want: { status: string; reason: string }): Promise<T> {
  return waitFor(`${what} to be Ready=${want.status}/${want.reason}`, async () => {
    const obj = await get();
    const ready = readyOf(obj);
    return ready?.status === want.status && ready.reason === want.reason ? obj : undefined;
  });
}

beforeAll(async () => {
  await removeWebhookConfigurations(env);
  saKubeConfig = await prepareCluster(env);
  ns = await createTestNamespace(env, 'op-reconcile');
  // Created while no webhook exists: the way invalid objects from before an install look.
  await createImage(
    imageObject('predates-webhook', ns, { triggers: [{ type: 'crontab', value: '0 0 31 2 *' }] }),
  );
  operator = await startTestOperator(saKubeConfig, { resyncMs: 60_000 });
  await waitUntilAdmitting(env, operator);
});

afterAll(async () => {
  await operator?.stop();
  await removeWebhookConfigurations(env);
});

describe('Image reconciler', () => {
  it('marks a valid Image Ready with observedGeneration, next to the controller-owned status', async () => {
    await createImage(imageObject('web', ns));
    await applyControllerStatus(admin, ns, 'web', { tag: 'v1.2.0', result: 'Success' });
    const img = await waitForReady('Image web', () => getImage(admin, ns, 'web'), {
      status: 'True',
      reason: 'Valid',
    });
    expect(img.status?.observedGeneration).toBe(img.metadata.generation);
    // Ready follows the controller's result: its message says the last check succeeded.
    await waitFor('Ready to follow result Success', async () =>
      readyOf(await getImage(admin, ns, 'web'))?.message === 'The spec is valid and the last check succeeded.'
        ? true
        : undefined,
    );
    // The controller's fields survived the operator's writes, and vice versa.
    await applyControllerStatus(admin, ns, 'web', {
      tag: 'v1.3.0',
      result: 'Success',
      conditions: [
        {
          type: 'UpToDate',
          status: 'True',
          reason: 'Applied',
          message: '',
          // The controller evaluated this spec: the operator's Reconciling goes.
          observedGeneration: img.metadata.generation!,
          lastTransitionTime: '2030-01-01T00:00:00Z',
        },
      ],
    });
    const after = await waitFor('Reconciling to go', async () => {
      const i = await getImage(admin, ns, 'web');
      return i.status?.conditions?.some((c) => c.type === 'Reconciling') ? undefined : i;
    });
    expect(after.status?.tag).toBe('v1.3.0');
    expect(after.status?.conditions?.map((c) => c.type).sort()).toEqual(['Ready', 'UpToDate']);
    const managers = (after.metadata.managedFields ?? [])
      .filter((m) => m.subresource === 'status')
      .map((m) => m.manager)
      .sort();
    expect(managers).toEqual(['tagpilot-controller', 'tagpilot-operator']);
  });

  it('turns Ready False while the controller reports a failed check, and True on its next success', async () => {
    await createImage(imageObject('flaky', ns));
    await applyControllerStatus(admin, ns, 'flaky', {
      result: 'RegistryError',
      message: 'connection refused',
    });
    const failed = await waitForReady('Image flaky', () => getImage(admin, ns, 'flaky'), {
      status: 'False',
      reason: 'RegistryError',
    });
    expect(readyOf(failed)?.message).toBe('The last check failed: connection refused');
    await applyControllerStatus(admin, ns, 'flaky', {
      tag: 'v1.0.0',
      result: 'Success',
      message: 'no update',
    });
    await waitForReady('Image flaky', () => getImage(admin, ns, 'flaky'), {
      status: 'True',
      reason: 'Valid',
    });
  });

  it('says InvalidSpec, naming the field, for an Image created before the webhook, and recovers when fixed', async () => {
    const img = await waitForReady('Image predates-webhook', () => getImage(admin, ns, 'predates-webhook'), {
      status: 'False',
      reason: 'InvalidSpec',
    });
    expect(readyOf(img)?.message).toMatch(
      /^spec\.triggers\[0\]\.value: schedule "0 0 31 2 \*": the day-of-month never occurs/,
    );
    const events = await waitFor('a Warning event on the Image', async () => {
      const list = await core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'involvedObject.name=predates-webhook',
      });
      return list.items.find((e) => e.reason === 'InvalidSpec' && e.type === 'Warning');
    });
    expect(events.involvedObject.kind).toBe('Image');
    await custom.patchNamespacedCustomObject({
      group: IMAGE.group,
      version: IMAGE.version,
      plural: IMAGE.plural,
      namespace: ns,
      name: 'predates-webhook',
      body: [{ op: 'replace', path: '/spec/triggers/0/value', value: '@daily' }],
    });
    const fixed = await waitForReady(
      'Image predates-webhook',
      () => getImage(admin, ns, 'predates-webhook'),
      { status: 'True', reason: 'Valid' },
    );
    expect(fixed.status?.observedGeneration).toBe(2);
  });

  it('writes no status when a reconcile finds nothing to change', async () => {
    const before = await metricValue('tagpilot_operator_status_writes_total', { kind: 'Image' });
    await createImage(imageObject('steady', ns));
    const ready = await waitForReady('Image steady', () => getImage(admin, ns, 'steady'), {
      status: 'True',
      reason: 'Valid',
    });
    // The apiserver can show the status before the reconciler has counted its write: wait for the count.
    await waitFor(
      'the status write to be counted',
      async () => (await metricValue('tagpilot_operator_status_writes_total', { kind: 'Image' })) > before,
    );
    const writes = await metricValue('tagpilot_operator_status_writes_total', { kind: 'Image' });
    const reconciled = await metricValue('tagpilot_operator_reconcile_total', { kind: 'Image' });
    // A label change is an update event without a new generation: the reconciler runs and must not write.
    const labelled = (await custom.patchNamespacedCustomObject({
      group: IMAGE.group,
      version: IMAGE.version,
      plural: IMAGE.plural,
      namespace: ns,
      name: 'steady',
      body: [{ op: 'add', path: '/metadata/labels', value: { touched: 'yes' } }],
    })) as Image;
    await waitFor(
      'the reconciler to run again',
      async () => (await metricValue('tagpilot_operator_reconcile_total', { kind: 'Image' })) > reconciled,
    );
    expect(await metricValue('tagpilot_operator_status_writes_total', { kind: 'Image' })).toBe(writes);
    const now = await getImage(admin, ns, 'steady');
    expect(now.metadata.resourceVersion).toBe(labelled.metadata.resourceVersion);
    expect(readyOf(now)).toEqual(readyOf(ready));
  });

  it('reports a missing AlertConfig and clears it when the AlertConfig appears', async () => {
    await createImage(
      imageObject('alerting', ns, {
        rules: [{ type: 'semver-patch', actions: [{ type: 'alert', alertConfigRef: { name: 'team' } }] }],
      }),
    );
    const img = await waitForReady('Image alerting', () => getImage(admin, ns, 'alerting'), {
      status: 'False',
      reason: 'AlertConfigNotFound',
    });
    expect(readyOf(img)?.message).toMatch(
      /spec\.rules\[0\]\.actions\[0\]\.alertConfigRef: AlertConfig "team" not found/,
    );
    await createAlertConfig(
      alertConfigObject('team', ns, { webhook: { url: 'https://hooks.example.com/tagpilot' } }),
    );
    await waitForReady('Image alerting', () => getImage(admin, ns, 'alerting'), {
      status: 'True',
      reason: 'Valid',
    });
  });
});

describe('AlertConfig reconciler', () => {
  const SECRET_VALUE = 'https://hooks.slack.com/services/T000/B000/very-secret-token';

  it('follows the referenced Secret: not found, key missing, resolved — without copying the value', async () => {
    await createAlertConfig(
      alertConfigObject('slack', ns, {
        slack: { webhookURL: { valueFrom: { secretKeyRef: { name: 'slack-hook', key: 'url' } } } },
      }),
    );
    let ac = await waitForReady('AlertConfig slack', () => getAlertConfig('slack'), {
      status: 'False',
      reason: 'SecretNotFound',
    });
    expect(readyOf(ac)?.message).toMatch(/spec\.slack\.webhookURL: Secret .*\/slack-hook not found/);
    expect(ac.status?.channels).toEqual([
      { type: 'slack', resolved: false, message: expect.stringMatching(/not found/) },
    ]);

    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'slack-hook' }, stringData: { other: SECRET_VALUE } },
    });
    ac = await waitForReady('AlertConfig slack', () => getAlertConfig('slack'), {
      status: 'False',
      reason: 'KeyNotFound',
    });
    expect(readyOf(ac)?.message).toMatch(/has no key "url" \(its keys: other\)/);

    await core.patchNamespacedSecret({
      namespace: ns,
      name: 'slack-hook',
      body: [{ op: 'add', path: '/data/url', value: Buffer.from(SECRET_VALUE).toString('base64') }],
    });
    ac = await waitForReady('AlertConfig slack', () => getAlertConfig('slack'), {
      status: 'True',
      reason: 'Resolved',
    });
    expect(ac.status?.channels).toEqual([{ type: 'slack', resolved: true }]);
    expect(ac.status?.observedGeneration).toBe(1);

    const events = await waitFor('Events for each transition', async () => {
      const list = await core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'involvedObject.name=slack',
      });
      const reasons = list.items.map((e) => e.reason);
      return ['SecretNotFound', 'KeyNotFound', 'Resolved'].every((r) => reasons.includes(r))
        ? list.items
        : undefined;
    });
    const everything = JSON.stringify({ ac, events });
    expect(everything).not.toContain('very-secret-token');
    expect(everything).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
  });
});

describe('webhook TLS and configurations', () => {
  it('keeps a CA and serving certificate for 127.0.0.1 in its Secret and publishes the CA', async () => {
    const api = admin.makeApiClient(AdmissionregistrationV1Api);
    // Level-based: an earlier suite may have left certificates this operator replaces (its validity
    // differs), so wait for the state it converges to.
    const { secret, mutating, validating } = await waitFor(
      'the Secret and both configurations to agree on the CA',
      async () => {
        const secret = await core.readNamespacedSecret({ namespace: OPERATOR_NAMESPACE, name: CERT_SECRET });
        const mutating = await api.readMutatingWebhookConfiguration({ name: WEBHOOK_CONFIG });
        const validating = await api.readValidatingWebhookConfiguration({ name: WEBHOOK_CONFIG });
        const bundles = [...(mutating.webhooks ?? []), ...(validating.webhooks ?? [])].map(
          (w) => w.clientConfig.caBundle,
        );
        return bundles.every((b) => b === secret.data?.['ca.crt'])
          ? { secret, mutating, validating }
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const decode = (k: string) => Buffer.from(secret.data?.[k] ?? '', 'base64').toString();
    const cert = new X509Certificate(decode('tls.crt'));
    const ca = new X509Certificate(decode('ca.crt'));
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.verify(ca.publicKey)).toBe(true);
    for (const w of [...(mutating.webhooks ?? []), ...(validating.webhooks ?? [])]) {
      expect(Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString()).toBe(decode('ca.crt'));
      expect(w.sideEffects).toBe('None');
      expect(w.failurePolicy).toBe('Ignore');
      expect(w.admissionReviewVersions).toEqual(['v1']);
    }
    expect(mutating.webhooks?.map((w) => [w.name, w.clientConfig.url])).toEqual([
      ['pin.namespace.tagpilot.dev', `${operator!.url}/mutate`],
      ['pin.object.tagpilot.dev', `${operator!.url}/mutate`],
    ]);
    expect(validating.webhooks?.[0]?.clientConfig.url).toBe(`${operator!.url}/validate`);
  });
});
