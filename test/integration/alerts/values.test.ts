// valueFrom resolution against the real apiserver: Secret and ConfigMap keys, the errors users see when
// one is missing or not readable, and `tagpilot alert test` reading them through --kubeconfig.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AlertConfig } from '../../../crds/index.js';
import { kubeValueReader, resolveChannels } from '../../../controller/alerts/index.js';
import { adminKubeConfig, createTestNamespace, serviceAccountKubeConfig } from '../../testenv/kube.js';
import { startHttpPeer, type HttpPeer } from './peers.js';

const env = inject('testenv');
const kc = adminKubeConfig(env);
const core = kc.makeApiClient(CoreV1Api);
const run = promisify(execFile);

const SLACK_PATH = '/services/T0/B0/sekrit-from-secret';
const HMAC = 'sekrit-hmac-from-secret';

let namespace: string;
let slack: HttpPeer;
let hook: HttpPeer;

beforeAll(async () => {
  namespace = await createTestNamespace(env, 'alerts');
  slack = await startHttpPeer();
  hook = await startHttpPeer();
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: 'alerts' },
      // stringData as kubectl create secret --from-literal would; a trailing newline as --from-file keeps.
      stringData: { slack: slack.url(SLACK_PATH) + '\n', hmac: HMAC, password: 'p4ss' },
    },
  });
  await core.createNamespacedConfigMap({
    namespace,
    body: {
      metadata: { name: 'hooks' },
      data: { url: hook.url('/hook') },
      binaryData: { token: Buffer.from('Bearer sekrit-bin').toString('base64') },
    },
  });
});

afterAll(async () => {
  await slack?.close();
  await hook?.close();
});

function alertConfig(spec: AlertConfig['spec']): AlertConfig {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: 'team', namespace },
    spec,
  };
}

const fullSpec = (): AlertConfig['spec'] => ({
  slack: { webhookURL: { valueFrom: { secretKeyRef: { name: 'alerts', key: 'slack' } } } },
  discord: { webhookURL: { valueFrom: { configMapKeyRef: { name: 'hooks', key: 'url' } } } },
  email: {
    host: 'smtp.example.com',
    username: { value: 'alerts' },
    password: { valueFrom: { secretKeyRef: { name: 'alerts', key: 'password' } } },
    from: 'a@example.com',
    to: ['b@example.com'],
  },
  webhook: {
    url: 'https://hooks.example.com/x',
    secret: { valueFrom: { secretKeyRef: { name: 'alerts', key: 'hmac' } } },
    headers: [
      { name: 'Authorization', value: { valueFrom: { configMapKeyRef: { name: 'hooks', key: 'token' } } } },
    ],
  },
});

describe('resolving valueFrom from the apiserver', () => {
  it('reads Secret and ConfigMap keys (data and binaryData)', async () => {
    const r = await resolveChannels(alertConfig(fullSpec()), kubeValueReader(core));
    expect(r.failures).toEqual([]);
    expect(r.channels.find((c) => c.type === 'slack')).toMatchObject({ webhookURL: slack.url(SLACK_PATH) });
    expect(r.channels.find((c) => c.type === 'discord')).toMatchObject({ webhookURL: hook.url('/hook') });
    expect(r.channels.find((c) => c.type === 'email')).toMatchObject({ password: 'p4ss' });
    expect(r.channels.find((c) => c.type === 'webhook')).toMatchObject({
      secret: HMAC,
      headers: [{ name: 'Authorization', value: 'Bearer sekrit-bin' }],
    });
  });

  it('names the missing Secret or key, never a value, and resolves the other channels', async () => {
    const spec = fullSpec();
    spec.slack = { webhookURL: { valueFrom: { secretKeyRef: { name: 'nope', key: 'url' } } } };
    spec.webhook!.secret = { valueFrom: { secretKeyRef: { name: 'alerts', key: 'missing' } } };
    const r = await resolveChannels(alertConfig(spec), kubeValueReader(core));
    expect(r.failures).toEqual([
      {
        channel: 'slack',
        message: `spec.slack.webhookURL: Secret ${namespace}/nope not found; create it or fix the reference`,
      },
      {
        channel: 'webhook',
        message: `spec.webhook.secret: Secret ${namespace}/alerts has no key "missing" (its keys: hmac, password, slack)`,
      },
    ]);
    expect(r.channels.map((c) => c.type)).toEqual(['discord', 'email']);
    expect(JSON.stringify(r.failures)).not.toMatch(/sekrit|p4ss/);
  });

  it('says which permission is missing when the ServiceAccount cannot read Secrets', async () => {
    const saKc = await serviceAccountKubeConfig(env, namespace, 'no-secrets');
    const r = await resolveChannels(
      alertConfig({ slack: fullSpec().slack! }),
      kubeValueReader(saKc.makeApiClient(CoreV1Api)),
    );
    expect(r.failures).toEqual([
      {
        channel: 'slack',
        message: `spec.slack.webhookURL: not allowed to read Secret ${namespace}/alerts: grant "get" on secrets in namespace ${namespace}`,
      },
    ]);
  });
});

describe('tagpilot alert test with valueFrom', () => {
  it('reads the Secrets through --kubeconfig and sends to every channel', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagpilot-alert-it-'));
    const file = join(dir, 'alertconfig.yaml');
    await writeFile(
      file,
      `apiVersion: tagpilot.dev/v1alpha1
kind: AlertConfig
metadata: {name: team}
spec:
  slack: {webhookURL: {valueFrom: {secretKeyRef: {name: alerts, key: slack}}}}
  webhook:
    url: "${hook.url('/cli')}"
    secret: {valueFrom: {secretKeyRef: {name: alerts, key: hmac}}}
`,
    );
    const before = slack.requests.length;
    const { stdout } = await run(
      'bin/tagpilot',
      ['alert', 'test', file, '--kubeconfig', env.kubeconfig, '--namespace', namespace],
      { cwd: join(import.meta.dirname, '../../..') },
    );
    expect(stdout).toBe('slack    ok\nwebhook  ok\n');
    expect(slack.requests.length).toBe(before + 1);
    expect(slack.requests.at(-1)!.path).toBe(SLACK_PATH);
    expect(hook.requests.at(-1)!.headers['x-tagpilot-signature']).toMatch(/^sha256=/);
  });

  it('exits 1 and names the Secret when it is missing in that namespace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagpilot-alert-it-'));
    const file = join(dir, 'alertconfig.yaml');
    await writeFile(
      file,
      `apiVersion: tagpilot.dev/v1alpha1
kind: AlertConfig
metadata: {name: team, namespace: default}
spec:
  slack: {webhookURL: {valueFrom: {secretKeyRef: {name: alerts, key: slack}}}}
`,
    );
    const err = await run('bin/tagpilot', ['alert', 'test', file, '--kubeconfig', env.kubeconfig], {
      cwd: join(import.meta.dirname, '../../..'),
    }).then(
      () => undefined,
      (e: { code: number; stdout: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stdout).toBe(
      'slack  failed: spec.slack.webhookURL: Secret default/alerts not found; create it or fix the reference\n',
    );
  });
});
