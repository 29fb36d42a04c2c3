// One AlertConfig validator (domain/alerts/validate.ts): the same AlertConfigs go through admission (the
// real apiserver calling the operator's validating webhook), the operator's Ready condition and
// `tagpilot alert test`, and all three must say the same thing. Every bad case passes the CRD schema, so
// only Tagpilot's own checks can catch it; before the validators were merged, admission and Ready let
// the reserved header, the duplicate header, the multi-line subject, the email host and the Slack
// channel through while the CLI rejected them.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { AlertConfig } from '../../../crds/index.js';
import { run as alertCli } from '../../../controller/cli/alert.js';
import { adminKubeConfig, createTestNamespace } from '../../testenv/kube.js';
import { waitFor } from '../../testenv/wait.js';
import { startHttpPeer, type HttpPeer } from '../alerts/peers.js';
import {
  alertConfigObject,
  createAlertConfig,
  getAlertConfig,
  prepareCluster,
  readyOf,
  removeWebhookConfigurations,
  startTestOperator,
  waitUntilAdmitting,
  type TestOperator,
} from '../operator/support.js';

const env = inject('testenv');
const admin = adminKubeConfig(env);
const URL = 'https://hooks.example.com/tagpilot';

interface Case {
  name: string;
  spec: AlertConfig['spec'];
  /** The one `field: message` every path must report. */
  error: string;
  reason: 'InvalidSpec' | 'InvalidTemplate';
}

const cases: Case[] = [
  {
    name: 'reserved-signature',
    spec: { webhook: { url: URL, headers: [{ name: 'X-Tagpilot-Signature', value: { value: 'forged' } }] } },
    error: 'spec.webhook.headers[0].name: Forbidden: X-Tagpilot-Signature is set by Tagpilot',
    reason: 'InvalidSpec',
  },
  {
    name: 'reserved-host',
    spec: { webhook: { url: URL, headers: [{ name: 'Host', value: { value: 'elsewhere' } }] } },
    error: 'spec.webhook.headers[0].name: Forbidden: Host is set by Tagpilot',
    reason: 'InvalidSpec',
  },
  {
    name: 'duplicate-header',
    spec: {
      webhook: {
        url: URL,
        headers: [
          { name: 'X-Team', value: { value: 'a' } },
          { name: 'x-team', value: { value: 'b' } },
        ],
      },
    },
    error: 'spec.webhook.headers[1].name: Duplicate value: header x-team is set twice',
    reason: 'InvalidSpec',
  },
  {
    name: 'unknown-variable',
    spec: { webhook: { url: URL }, templateBody: 'new: {{ .newtag }}' },
    error:
      'spec.templateBody: Invalid value: line 1, column 6: unknown variable .newtag (did you mean .newTag?)',
    reason: 'InvalidTemplate',
  },
  {
    name: 'two-line-subject',
    spec: { webhook: { url: URL }, templateSubject: 'a\nb' },
    error: 'spec.templateSubject: Invalid value: a subject is one line; remove the line breaks',
    reason: 'InvalidTemplate',
  },
  {
    name: 'email-host-with-scheme',
    spec: { email: { host: 'smtp://mail.example.com', from: 'a@example.com', to: ['ops@example.com'] } },
    error: 'spec.email.host: Invalid value: a host name or IP address, without scheme or port',
    reason: 'InvalidSpec',
  },
  {
    name: 'slack-channel-with-space',
    spec: { slack: { webhookURL: { value: 'https://hooks.slack.com/x' }, channel: '#dep loys' } },
    error: 'spec.slack.channel: Invalid value: a channel name such as #deploys, without spaces',
    reason: 'InvalidSpec',
  },
];

let operator: TestOperator | undefined;
let saKubeConfig: KubeConfig;
let ns: string;
let dir: string;
let peer: HttpPeer;

const create = (ac: AlertConfig) => createAlertConfig(admin, ac);
const get = (name: string) => getAlertConfig(admin, ns, name);

/** What admission said: undefined when it admitted, else the apiserver's message. */
async function admission(ac: AlertConfig): Promise<string | undefined> {
  try {
    await create(ac);
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = typeof err.body === 'string' ? (JSON.parse(err.body) as { message?: string }) : err.body;
    return `${err.code}: ${(body as { message?: string }).message ?? ''}`;
  }
}

/** `tagpilot alert test FILE` with its exit code and stderr. */
async function cli(ac: AlertConfig): Promise<{ code: number; err: string }> {
  const file = join(dir, `${ac.metadata.name}.yaml`);
  await writeFile(file, JSON.stringify(ac)); // JSON is YAML
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await alertCli(['test', file]), err };
  } finally {
    vi.restoreAllMocks();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tagpilot-agree-'));
  peer = await startHttpPeer();
  await removeWebhookConfigurations(env);
  saKubeConfig = await prepareCluster(env);
  ns = await createTestNamespace(env, 'ac-agree');
  // Created while no webhook exists (objects from before an install), so the operator has them to judge.
  for (const c of cases) await create(alertConfigObject(c.name, ns, c.spec));
  await create(alertConfigObject('valid', ns, { webhook: { url: peer.url('/hook') } }));
  operator = await startTestOperator(saKubeConfig, { resyncMs: 60_000 });
  await waitUntilAdmitting(env, operator);
});

afterAll(async () => {
  await operator?.stop();
  await removeWebhookConfigurations(env);
  await peer?.close();
});

describe('admission, the operator and `tagpilot alert test` agree on AlertConfigs', () => {
  it.each(cases)('$name: all three reject it with "$error"', async (c) => {
    const ready = await waitFor(`AlertConfig ${c.name} to be judged`, async () => readyOf(await get(c.name)));
    const denied = await admission(alertConfigObject(`${c.name}-again`, ns, c.spec));
    const lint = await cli(alertConfigObject(c.name, ns, c.spec));

    expect(ready.status).toBe('False');
    expect(ready.reason).toBe(c.reason);
    expect(ready.message).toContain(c.error);
    expect(denied).toMatch(/^422: /);
    expect(denied).toContain('denied the request');
    expect(denied).toContain(c.error);
    expect(lint.code).toBe(2);
    expect(lint.err).toContain(c.error);
  });

  it('spec.events: an unknown event is refused by admission (the schema enum) and the CLI, naming the item', async () => {
    const spec = { webhook: { url: URL }, events: ['Failed', 'Deployed'] } as unknown as AlertConfig['spec'];
    const denied = await admission(alertConfigObject('unknown-event', ns, spec));
    const lint = await cli(alertConfigObject('unknown-event', ns, spec));
    for (const said of [denied, lint.err]) {
      expect(said).toContain('spec.events[1]');
      expect(said).toContain('Unsupported value');
      expect(said).toContain('"Updated", "Failed", "Recovered", "RolledBack", "ApprovalPending", "Held"');
    }
    expect(denied).toMatch(/^422: /);
    expect(lint.code).toBe(2);
  });

  it('spec.events: all three accept a chosen list', async () => {
    const spec: AlertConfig['spec'] = {
      webhook: { url: peer.url('/events') },
      events: ['Failed', 'Recovered'],
    };
    expect(await admission(alertConfigObject('some-events', ns, spec))).toBeUndefined();
    const ready = await waitFor('AlertConfig some-events to be judged', async () =>
      readyOf(await get('some-events')),
    );
    expect(ready).toMatchObject({ status: 'True', reason: 'Resolved' });
    expect((await cli(alertConfigObject('some-events', ns, spec))).code).toBe(0);
  });

  it('all three accept a valid one', async () => {
    const ac = alertConfigObject('valid', ns, { webhook: { url: peer.url('/hook') } });
    const ready = await waitFor('AlertConfig valid to be judged', async () => readyOf(await get('valid')));
    expect(ready).toMatchObject({ status: 'True', reason: 'Resolved' });
    expect(await admission(alertConfigObject('valid-again', ns, ac.spec))).toBeUndefined();
    expect(await cli(ac)).toEqual({ code: 0, err: '' });
    expect(peer.requests.filter((r) => r.path === '/hook')).toHaveLength(1);
  });
});
