// The install, end to end: render the Helm chart, apply it to the test control plane for real, then run
// tagpilot-operator and tagpilot-controller out of cluster with the flags of the chart's Deployments and
// the chart's ServiceAccounts (impersonation), and complete one update. The chart watches only the
// application namespace, so the programs work through the namespaced RBAC the chart renders.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installChart, type InstalledChart } from '../testenv/chart.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { freePort } from '../testenv/ports.js';
import { completeOneUpdate } from '../testenv/update.js';
import { waitFor } from '../testenv/wait.js';
import { find, podSpec, type K8sObject } from '../integration/install/render.js';
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

/** On failure, the programs' last output is the useful part of the message. */
function withProgramOutput(err: Error): Error {
  const tails = programs.map((p) => `--- ${p.name}\n${p.output().slice(-6000)}`).join('\n');
  return new Error(`${err.message}\n${tails}`);
}

const programs: Program[] = [];

describe('install with the Helm chart and run both programs with its ServiceAccounts', () => {
  let releaseNs: string;
  let appNs: string;
  let chart: InstalledChart;
  let objects: K8sObject[];

  beforeAll(async () => {
    releaseNs = await createTestNamespace(env, 'tp-install');
    appNs = await createTestNamespace(env, 'tp-apps');
    chart = await installChart(
      env,
      {
        watchNamespaces: [appNs],
        operator: { replicas: 1 },
        controller: { replicas: 1 },
        // So a tag pushed during the test is seen on the next tick rather than after the default 60 s.
        registry: { cacheTTL: '1s' },
      },
      { release: RELEASE, namespace: releaseNs },
    );
    objects = chart.objects;
  });

  afterAll(async () => {
    for (const p of programs) await p.stop();
    await chart?.uninstall();
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
    const outcome = await completeOneUpdate(env, appNs, {
      repoPrefix: 'install',
      explain: withProgramOutput,
    });
    expect(outcome.ready.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(outcome.updated.result).toBe('Success');
    expect(outcome.deploymentImage).toBe(`${outcome.ref}:1.1.0`);
  });

  it('needed no permission the chart does not grant', () => {
    for (const p of programs)
      expect({ program: p.name, forbidden: p.output().match(/.*forbidden.*/gi) ?? [] }).toEqual({
        program: p.name,
        forbidden: [],
      });
  });
});
