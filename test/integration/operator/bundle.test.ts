// The operator as the image ships it: bundled by hack/bundle.mjs (one minified module plus lazily loaded
// chunks) and run by plain node with the image entrypoint's flags, as its ServiceAccount. The other
// operator suites run the TypeScript sources in-process; this one proves the bundle starts, loads its
// certificate issuer chunk on demand (there is no certificate Secret yet), serves the admission webhook
// to the real apiserver, and stops cleanly on SIGTERM.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IMAGE } from '../../../crds/index.js';
import { programs } from '../../../hack/images/layout.js';
import { adminKubeConfig, createTestNamespace } from '../../testenv/kube.js';
import { freePort } from '../../testenv/ports.js';
import { waitFor } from '../../testenv/wait.js';
import { startCommand, waitReady, type Program } from '../install/programs.js';
import { repoRoot } from '../install/render.js';
import {
  applyControllerStatus,
  CERT_SECRET,
  imageObject,
  OPERATOR_NAMESPACE,
  prepareCluster,
  removeWebhookConfigurations,
} from './support.js';

const env = inject('testenv');
const admin = adminKubeConfig(env);
const core = admin.makeApiClient(CoreV1Api);
const work = mkdtempSync(join(tmpdir(), 'tagpilot-bundle-'));
let operator: Program | undefined;
let metricsPort = 0;

beforeAll(async () => {
  execFileSync(process.execPath, [join(repoRoot, 'hack/bundle.mjs'), join(work, 'dist'), 'operator'], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
  await removeWebhookConfigurations(env);
  const sa = await prepareCluster(env);
  // No Secret: the operator has to issue its certificate, which is the lazily loaded chunk.
  await core
    .deleteNamespacedSecret({ name: CERT_SECRET, namespace: OPERATOR_NAMESPACE })
    .catch(() => undefined);
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, sa.exportConfig(), { mode: 0o600 });
  const webhookPort = await freePort();
  metricsPort = await freePort();
  // The image's entrypoint, with the bundle in place of dist/operator/main.js.
  const [, ...flags] = programs.operator.entrypoint.slice(0, -1);
  operator = startCommand(
    'bundled-operator',
    process.execPath,
    [
      ...flags,
      join(work, 'dist/operator/main.js'),
      `--kubeconfig=${kubeconfig}`,
      `--namespace=${OPERATOR_NAMESPACE}`,
      '--webhook-bind-address=127.0.0.1',
      `--webhook-port=${webhookPort}`,
      `--webhook-url=https://127.0.0.1:${webhookPort}`,
      '--metrics-bind-address=127.0.0.1',
      `--metrics-port=${metricsPort}`,
      '--leader-elect=false',
      '--shutdown-delay=0s',
    ],
    env.logDir,
    { cwd: work, env: { ...process.env, NODE_ENV: 'production' } },
  );
  await waitReady(operator, `http://127.0.0.1:${metricsPort}/readyz`);
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await removeWebhookConfigurations(env);
  rmSync(work, { recursive: true, force: true });
});

describe('the bundled operator (hack/bundle.mjs)', () => {
  it('is one module plus chunks, the certificate issuer among them', () => {
    const chunks = readdirSync(join(work, 'dist/operator/chunks'));
    expect(chunks.some((c) => /^issue-[A-Z0-9]+\.js$/.test(c))).toBe(true);
  });

  it('issues its certificate and pins a Pod through the real apiserver', async () => {
    const secret = await core.readNamespacedSecret({ name: CERT_SECRET, namespace: OPERATOR_NAMESPACE });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);

    const ns = await createTestNamespace(env, 'bundle', { 'tagpilot.dev/webhook': 'enabled' });
    await admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      ...IMAGE,
      namespace: ns,
      body: imageObject('web', ns, { image: 'web' }),
    });
    await applyControllerStatus(admin, ns, 'web', { tag: 'v1.4.2', result: 'Success' });
    // The webhook configuration is published and the Image cached a moment after readiness.
    await waitFor('the bundled operator to pin web to v1.4.2', async () => {
      if (operator!.hasExited()) throw new Error(`the operator exited:\n${operator!.output().slice(-4000)}`);
      const pod = await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { generateName: 'probe-' },
          spec: { containers: [{ name: 'web', image: 'web:v1.0.0' }] },
        },
        dryRun: 'All',
      });
      return pod.spec?.containers[0]?.image === 'web:v1.4.2';
    });
  });

  it('serves its metrics and stops with 0 on SIGTERM', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^tagpilot_operator_cached_images \d+/m);
    // Only the families asked for (the benches poll this way).
    const some = await (
      await fetch(
        `http://127.0.0.1:${metricsPort}/metrics?name[]=tagpilot_operator_cached_images&name[]=tagpilot_nodejs_heap_size_used_bytes`,
      )
    ).text();
    expect([...some.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]).sort()).toEqual([
      'tagpilot_nodejs_heap_size_used_bytes',
      'tagpilot_operator_cached_images',
    ]);
    const code = await operator!.stop();
    operator = undefined;
    expect(code).toBe(0);
  });
});
