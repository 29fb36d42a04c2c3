// Certificate rotation without a restart: with a short validity the leader rotates CA and serving
// certificate every few seconds, the replica reloads them while serving, and the apiserver (with
// failurePolicy Fail, so a TLS failure would surface as a failed create) keeps admitting through it.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { AdmissionregistrationV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IMAGE } from '../../crds/index.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { waitFor } from '../testenv/wait.js';
import {
  applyControllerStatus,
  CERT_SECRET,
  imageObject,
  metricValue,
  OPERATOR_NAMESPACE,
  prepareCluster,
  removeWebhookConfigurations,
  startTestOperator,
  waitUntilAdmitting,
  WEBHOOK_CONFIG,
  type TestOperator,
} from '../integration/operator/support.js';

const env = inject('testenv');
const admin = adminKubeConfig(env);
const core = admin.makeApiClient(CoreV1Api);
let operator: TestOperator | undefined;
let ns: string;

/** The certificate the webhook server presents to a new connection. */
function servedCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.on('error', reject);
  });
}

async function pinnedPodImage(): Promise<string | undefined> {
  const pod = await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { generateName: 'rot-' },
      spec: { containers: [{ name: 'web', image: 'web:v1.0.0' }] },
    },
  });
  return pod.spec?.containers[0]?.image;
}

async function publishedBundle(): Promise<X509Certificate[]> {
  const api = admin.makeApiClient(AdmissionregistrationV1Api);
  const m = await api.readMutatingWebhookConfiguration({ name: WEBHOOK_CONFIG });
  const pem = Buffer.from(m.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64').toString();
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (c) => new X509Certificate(c),
  );
}

beforeAll(async () => {
  await removeWebhookConfigurations(env);
  const sa = await prepareCluster(env);
  // A rotation every ~20 s (60 s certificates renewed 40 s before expiry), 3 s for the apiserver to
  // pick up a new CA bundle before the new certificate is served.
  operator = await startTestOperator(sa, {
    certValidityMs: 60_000,
    certRenewBeforeMs: 40_000,
    certPropagationDelayMs: 3_000,
    failurePolicy: 'Fail',
  });
  await waitUntilAdmitting(env, operator);
  ns = await createTestNamespace(env, 'rotation', { 'tagpilot.dev/webhook': 'enabled' });
  await admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: IMAGE.group,
    version: IMAGE.version,
    plural: IMAGE.plural,
    namespace: ns,
    body: imageObject('web', ns, { image: 'web' }),
  });
  await applyControllerStatus(admin, ns, 'web', { tag: 'v2.0.0', result: 'Success' });
  await waitFor('the webhook to pin web', async () => (await pinnedPodImage()) === 'web:v2.0.0');
});

afterAll(async () => {
  await operator?.stop();
  await removeWebhookConfigurations(env);
});

describe('webhook certificate rotation', () => {
  it('rotates CA and serving certificate before expiry and keeps admitting without a restart', async () => {
    const port = operator!.port;
    const reloadsBefore = await metricValue('tagpilot_operator_webhook_cert_reloads_total');
    let current = await servedCertificate(port);
    // Certificates issued before this test (by an earlier suite, for a year) are replaced at once.
    for (let rotation = 1; rotation <= 2; rotation++) {
      const previous = current;
      current = await waitFor(
        `rotation ${rotation}: a new serving certificate`,
        async () => {
          const served = await servedCertificate(port);
          return served.fingerprint256 !== previous.fingerprint256 ? served : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      const lifetimeMs = Date.parse(current.validTo) - Date.parse(current.validFrom);
      expect(lifetimeMs).toBeLessThanOrEqual(6 * 60_000);
      // The apiserver trusts the new CA, and still the previous one for connections made before.
      const bundle = await publishedBundle();
      expect(bundle.some((ca) => current.checkIssued(ca) && current.verify(ca.publicKey))).toBe(true);
      expect(bundle.length).toBeLessThanOrEqual(2);
      // failurePolicy Fail: this create fails unless the apiserver reached the webhook over TLS.
      expect(await pinnedPodImage()).toBe('web:v2.0.0');
    }
    expect(await metricValue('tagpilot_operator_webhook_cert_reloads_total')).toBeGreaterThanOrEqual(
      reloadsBefore + 2,
    );
    const secret = await core.readNamespacedSecret({ namespace: OPERATOR_NAMESPACE, name: CERT_SECRET });
    const stored = new X509Certificate(Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString());
    expect(stored.fingerprint256).toBe((await servedCertificate(port)).fingerprint256);
  });
});
