// The install, end to end: render the Helm chart, apply it to the test control plane for real, then run
// tagpilot-operator and tagpilot-controller out of cluster with the flags of the chart's Deployments and
// the chart's ServiceAccounts (impersonation), and complete one update. The chart watches only the
// application namespace, so the programs work through the namespaced RBAC the chart renders.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pushImage } from '../testenv/images.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { freePort } from '../testenv/ports.js';
import { kubectl } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';
import { find, parseManifests, podSpec, renderChart, type K8sObject } from '../integration/install/render.js';
import {
  impersonatingKubeconfig,
  localArgs,
  startProgram,
  waitReady,
  type Program,
} from '../integration/install/programs.js';

const env = inject('testenv');
const kc = adminKubeConfig(env);
const RELEASE = 'tagpilot-e2e';

interface ImageStatus {
  tag?: string;
  result?: string;
  message?: string;
  conditions?: { type: string; status: string; reason?: string }[];
}

/** On failure, the programs' last output is the useful part of the message. */
async function withProgramOutput<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const tails = programs.map((p) => `--- ${p.name}\n${p.output().slice(-6000)}`).join('\n');
    throw new Error(`${(err as Error).message}\n${tails}`);
  }
}

const programs: Program[] = [];

describe('install with the Helm chart and run both programs with its ServiceAccounts', () => {
  let releaseNs: string;
  let appNs: string;
  let objects: K8sObject[];

  beforeAll(async () => {
    releaseNs = await createTestNamespace(env, 'tp-install');
    appNs = await createTestNamespace(env, 'tp-apps');
    const manifests = await renderChart(
      {
        watchNamespaces: [appNs],
        operator: { replicas: 1 },
        controller: { replicas: 1 },
        // So a tag pushed during the test is seen on the next tick rather than after the default 60 s.
        registry: { cacheTTL: '1s' },
      },
      { release: RELEASE, namespace: releaseNs, includeCrds: true },
    );
    objects = parseManifests(manifests);
    const applied = await kubectl(
      env.kubeconfig,
      ['apply', '--server-side', '--force-conflicts', '--field-manager=helm-e2e', '-f', '-'],
      { input: manifests },
    );
    expect({ code: applied.code, stderr: applied.stderr }).toEqual({ code: 0, stderr: '' });
    const crds = await kubectl(env.kubeconfig, [
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/images.tagpilot.dev',
      'crd/alertconfigs.tagpilot.dev',
    ]);
    expect(crds.code).toBe(0);
  });

  afterAll(async () => {
    for (const p of programs) await p.stop();
    // The operator made these itself (cluster-scoped); remove them so later suites see no dead webhook.
    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    const name = `${RELEASE}-operator`;
    await admission.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
    await admission.deleteValidatingWebhookConfiguration({ name }).catch(() => undefined);
    await kubectl(env.kubeconfig, ['delete', '--wait=false', '--ignore-not-found', '-f', '-'], {
      input: objects
        .filter((o) => !['CustomResourceDefinition', 'Namespace'].includes(o.kind))
        .map((o) => JSON.stringify(o))
        .join('\n---\n'),
    });
  });

  it('starts the operator with the chart flags as the chart ServiceAccount', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tagpilot-install-e2e-'));
    const deployment = podSpec(find(objects, 'Deployment', `${RELEASE}-operator`));
    const [webhookPort, metricsPort] = [await freePort(), await freePort()];
    const kubeconfig = impersonatingKubeconfig(env, dir, releaseNs, deployment.serviceAccountName!);
    const args = localArgs(
      deployment.containers[0]!.args!,
      {
        'webhook-port': String(webhookPort),
        'metrics-port': String(metricsPort),
        'webhook-service': '',
      },
      [
        `--webhook-url=https://127.0.0.1:${webhookPort}`,
        '--webhook-bind-address=127.0.0.1',
        '--metrics-bind-address=127.0.0.1',
        `--kubeconfig=${kubeconfig}`,
      ],
    );
    const operator = startProgram('install-e2e-operator', 'operator/main.ts', args, env.logDir);
    programs.push(operator);
    await waitReady(operator, `http://127.0.0.1:${metricsPort}/readyz`);

    // It wrote its own webhook configurations, with the CA of its own certificate Secret.
    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    const mutating = await waitFor('the MutatingWebhookConfiguration', () =>
      admission.readMutatingWebhookConfiguration({ name: `${RELEASE}-operator` }).catch(() => undefined),
    );
    expect(mutating.webhooks?.[0]?.clientConfig.caBundle).toBeTruthy();
    expect(mutating.webhooks?.[0]?.failurePolicy).toBe('Ignore');
    const secret = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: `${RELEASE}-operator-webhook-tls`, namespace: releaseNs });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
  });

  it('starts the controller with the chart flags as the chart ServiceAccount', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tagpilot-install-e2e-'));
    const deployment = podSpec(find(objects, 'Deployment', `${RELEASE}-controller`));
    const port = await freePort();
    const kubeconfig = impersonatingKubeconfig(env, dir, releaseNs, deployment.serviceAccountName!);
    const args = localArgs(deployment.containers[0]!.args!, { port: String(port) }, [
      '--bind-address=127.0.0.1',
      '--cron-jitter=1s',
      `--kubeconfig=${kubeconfig}`,
    ]);
    const controller = startProgram('install-e2e-controller', 'controller/main.ts', args, env.logDir);
    programs.push(controller);
    await waitReady(controller, `http://127.0.0.1:${port}/readyz`);
  });

  it('completes one update: a newer tag reaches the Deployment and the Image status', async () => {
    const registry = env.registries.anonymous;
    const repo = `install-${randomBytes(3).toString('hex')}/web`;
    const ref = `${registry.host}/${repo}`;
    await pushImage(registry, repo, '1.0.0');
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: appNs,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: `${ref}:1.0.0` }] },
          },
        },
      },
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const image = { group: 'tagpilot.dev', version: 'v1alpha1', namespace: appNs, plural: 'images' };
    await custom.createNamespacedCustomObject({
      ...image,
      body: {
        apiVersion: 'tagpilot.dev/v1alpha1',
        kind: 'Image',
        metadata: { name: 'web' },
        spec: {
          image: ref,
          baseTag: '1.0.0',
          triggers: [{ type: 'crontab', value: '@every 10s' }],
          rules: [{ name: 'minor updates', type: 'semver-minor', actions: [{ type: 'apply' }] }],
        },
      },
    });
    const status = async () =>
      ((await custom.getNamespacedCustomObject({ ...image, name: 'web' })) as { status?: ImageStatus })
        .status;

    // The operator validated and accepted it.
    const ready = await waitFor(
      'the operator to mark the Image Ready',
      async () => {
        const s = await status();
        return s?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(ready.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

    // The controller saw 1.0.0 first; a push of 1.1.0 is picked up on a later tick and applied.
    await waitFor('the controller to check the Image', async () => (await status())?.tag === '1.0.0', {
      timeoutMs: 60_000,
    });
    await pushImage(registry, repo, '1.1.0');
    const updated = await withProgramOutput(() =>
      waitFor(
        'the Image status to move to 1.1.0',
        async () => {
          const s = await status();
          return s?.tag === '1.1.0' ? s : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      ),
    );
    expect(updated.result).toBe('Success');
    const deployment = await waitFor('the Deployment to run 1.1.0', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: appNs });
      return d.spec?.template.spec?.containers[0]?.image === `${ref}:1.1.0` ? d : undefined;
    });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(`${ref}:1.1.0`);
  });

  it('needed no permission the chart does not grant', () => {
    for (const p of programs)
      expect({ program: p.name, forbidden: p.output().match(/.*forbidden.*/gi) ?? [] }).toEqual({
        program: p.name,
        forbidden: [],
      });
  });
});
