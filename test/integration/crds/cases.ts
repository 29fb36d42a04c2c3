// The good and bad objects of the API, shared by the integration test (real apiserver) and the unit
// test of the ajv validators (crds/validate.test.ts): both must agree on every row.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: unknown };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
};

export interface GoodCase {
  name: string;
  object: KubeObject;
}

export interface BadCase {
  name: string;
  object: KubeObject;
  /** The field the apiserver and the validator must both name, as the apiserver prints it. */
  field: string;
  /** The mistake is in status: created valid, then rejected on the status subresource. */
  inStatus?: boolean;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SAMPLES_DIR = join(repoRoot, 'config/samples');

/** Every object under config/samples/ (the kustomization is not an API object). */
export function sampleCases(): GoodCase[] {
  return readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .map((f) => ({ name: `config/samples/${f}`, object: parse(readFileSync(join(SAMPLES_DIR, f), 'utf8')) }));
}

function image(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name },
    spec: {
      image: 'ghcr.io/acme/web',
      triggers: [{ type: 'crontab', value: '0 * * * *' }],
      rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
      ...spec,
    },
  };
}

function alertConfig(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'tagpilot.dev/v1alpha1', kind: 'AlertConfig', metadata: { name }, spec };
}

function rule(r: Record<string, unknown>): Record<string, unknown> {
  return { actions: [{ type: 'apply' }], ...r };
}

const secretRef = { valueFrom: { secretKeyRef: { name: 'smtp', key: 'password' } } };
const email = { host: 'smtp.example.com', from: 'tagpilot@example.com', to: ['ops@example.com'] };
const now = '2025-01-02T03:04:05Z';
const digest = `sha256:${'a'.repeat(64)}`;
const readyCondition = {
  type: 'Ready',
  status: 'True',
  observedGeneration: 1,
  lastTransitionTime: now,
  reason: 'Checked',
  message: '',
};

function withStatus(name: string, status: Record<string, unknown>): KubeObject {
  return { ...image(name), status };
}

/** Valid objects beyond the samples: edges of the schema that must stay accepted. */
const extraGoodRows: GoodCase[] = [
  { name: 'minimal Image', object: image('minimal') },
  {
    name: 'registry host with port, nested path',
    object: image('host-port', { image: 'registry.local:5000/team/sub/app', plainHTTP: true }),
  },
  {
    name: 'targets by kind and name with containers, and by selector',
    object: image('targets', {
      targets: [
        { kind: 'Deployment', name: 'web', containers: ['app', 'sidecar'] },
        { selector: 'app in (web,api),!legacy', kind: 'CronJob' },
      ],
    }),
  },
  {
    name: 'several crontab triggers and a webhook',
    object: image('triggers', {
      triggers: [
        { type: 'crontab', value: '0 9 * * 1-5', timezone: 'America/New_York' },
        { type: 'crontab', value: '@every 10m' },
        { type: 'webhook' },
      ],
    }),
  },
  {
    name: 'rules without names, an empty value on a version rule (docs/rules.md: both are allowed)',
    object: image('rules', {
      rules: [rule({ type: 'semver-patch', value: '' }), rule({ type: 'semver-minor' })],
    }),
  },
  {
    name: 'full status',
    object: withStatus('full-status', {
      tag: 'v1.5.2',
      digest,
      result: 'Success',
      message: 'v1.4.0 → v1.5.2 by minor updates',
      lastCheckTime: now,
      nextCheckTime: now,
      observedGeneration: 3,
      conditions: [readyCondition, { ...readyCondition, type: 'UpToDate', reason: 'Applied' }],
      history: Array.from({ length: 10 }, (_, i) => ({ tag: `v1.${i}.0`, digest, rule: 'minor', time: now })),
    }),
  },
  {
    name: 'AlertConfig with an inline http URL (test receivers)',
    object: alertConfig('inline-url', { slack: { webhookURL: { value: 'http://127.0.0.1:8080/hook?x=1' } } }),
  },
  {
    name: 'AlertConfig e-mail without authentication',
    object: alertConfig('email-noauth', { email: { ...email, port: 25, tlsMode: 'None' } }),
  },
  {
    name: 'AlertConfig status',
    object: {
      ...alertConfig('ac-status', { webhook: { url: 'https://example.com/hook' } }),
      status: {
        observedGeneration: 1,
        conditions: [{ ...readyCondition, reason: 'ChannelsResolved' }],
        channels: [{ type: 'webhook', resolved: true }],
      },
    },
  },
];

export function goodCases(): GoodCase[] {
  return [...sampleCases(), ...extraGoodCases];
}

/** What goes over the wire: `field: undefined` in a row means the field is absent. */
function wire<T extends { object: KubeObject }>(c: T): T {
  return { ...c, object: JSON.parse(JSON.stringify(c.object)) as KubeObject };
}

const badRows: BadCase[] = [
  // ---- Image: spec.image
  { name: 'missing image', field: 'spec.image', object: image('no-image', { image: undefined }) },
  { name: 'tag in image', field: 'spec.image', object: image('tag', { image: 'nginx:1.25' }) },
  {
    name: 'tag in image with a registry port',
    field: 'spec.image',
    object: image('tag-port', { image: 'registry.local:5000/app:v1' }),
  },
  { name: 'digest in image', field: 'spec.image', object: image('digest', { image: `nginx@${digest}` }) },
  {
    name: 'upper case repository',
    field: 'spec.image',
    object: image('upper', { image: 'ghcr.io/Acme/Web' }),
  },
  { name: 'missing spec', field: 'spec', object: { ...image('no-spec'), spec: undefined } },
  // ---- Image: other spec fields
  { name: 'baseTag with a space', field: 'spec.baseTag', object: image('base-tag', { baseTag: 'v1 2' }) },
  {
    name: 'pull secret name not a DNS name',
    field: 'spec.imagePullSecrets[0].name',
    object: image('pull-secret', { imagePullSecrets: [{ name: 'My_Secret' }] }),
  },
  {
    name: 'platform without os',
    field: 'spec.platforms[0]',
    object: image('platform', { platforms: ['amd64'] }),
  },
  {
    name: 'duplicate platform',
    field: 'spec.platforms[1]',
    object: image('platform-dup', { platforms: ['linux/amd64', 'linux/amd64'] }),
  },
  { name: 'suspend not a boolean', field: 'spec.suspend', object: image('suspend', { suspend: 'yes' }) },
  {
    name: 'misspelt field',
    field: 'spec.tagfilter',
    object: image('typo', { tagfilter: { include: '^v' } }),
  },
  // ---- Image: targets
  {
    name: 'target with both name and selector',
    field: 'spec.targets[0]',
    object: image('target-both', { targets: [{ kind: 'Deployment', name: 'web', selector: 'app=web' }] }),
  },
  {
    name: 'target with neither name nor selector',
    field: 'spec.targets[0]',
    object: image('target-none', { targets: [{ kind: 'Deployment' }] }),
  },
  {
    name: 'target with a name and no kind',
    field: 'spec.targets[0].kind',
    object: image('target-kind', { targets: [{ name: 'web' }] }),
  },
  {
    name: 'target of an unknown kind',
    field: 'spec.targets[0].kind',
    object: image('target-pod', { targets: [{ kind: 'Pod', name: 'web' }] }),
  },
  // ---- Image: triggers
  { name: 'empty triggers', field: 'spec.triggers', object: image('no-triggers', { triggers: [] }) },
  {
    name: 'missing triggers',
    field: 'spec.triggers',
    object: image('triggers-missing', { triggers: undefined }),
  },
  {
    name: 'unknown trigger type',
    field: 'spec.triggers[0].type',
    object: image('trigger-type', { triggers: [{ type: 'interval', value: '5m' }] }),
  },
  {
    name: 'crontab trigger without schedule',
    field: 'spec.triggers[0].value',
    object: image('cron-value', { triggers: [{ type: 'crontab' }] }),
  },
  {
    name: 'timezone on a webhook trigger',
    field: 'spec.triggers[0].timezone',
    object: image('webhook-tz', { triggers: [{ type: 'webhook', timezone: 'Europe/Paris' }] }),
  },
  // ---- Image: rules and actions
  { name: 'empty rules', field: 'spec.rules', object: image('no-rules', { rules: [] }) },
  {
    name: 'unknown rule type',
    field: 'spec.rules[0].type',
    object: image('rule-type', { rules: [rule({ type: 'semver-latest' })] }),
  },
  {
    name: 'regex rule without value',
    field: 'spec.rules[0].value',
    object: image('regex-value', { rules: [rule({ type: 'regex' })] }),
  },
  {
    name: 'semver-range rule with an empty value',
    field: 'spec.rules[1].value',
    object: image('range-value', {
      rules: [rule({ type: 'digest' }), rule({ type: 'semver-range', value: '' })],
    }),
  },
  {
    name: 'value on a semver-minor rule',
    field: 'spec.rules[0].value',
    object: image('minor-value', { rules: [rule({ type: 'semver-minor', value: '~1.4' })] }),
  },
  {
    name: 'numerical rule with an unknown order',
    field: 'spec.rules[0].value',
    object: image('numerical-value', { rules: [rule({ type: 'numerical', value: 'up' })] }),
  },
  {
    name: 'duplicate rule names',
    field: 'spec.rules',
    object: image('rule-names', {
      rules: [rule({ name: 'main', type: 'semver-minor' }), rule({ name: 'main', type: 'digest' })],
    }),
  },
  {
    name: 'rule without actions',
    field: 'spec.rules[0].actions',
    object: image('no-actions', { rules: [{ type: 'digest' }] }),
  },
  {
    name: 'empty actions',
    field: 'spec.rules[0].actions',
    object: image('empty-actions', { rules: [{ type: 'digest', actions: [] }] }),
  },
  {
    name: 'unknown action type',
    field: 'spec.rules[0].actions[1].type',
    object: image('action-type', {
      rules: [{ type: 'digest', actions: [{ type: 'apply' }, { type: 'rollback' }] }],
    }),
  },
  {
    name: 'alert action without alertConfigRef',
    field: 'spec.rules[0].actions[0].alertConfigRef',
    object: image('alert-ref', { rules: [{ type: 'digest', actions: [{ type: 'alert' }] }] }),
  },
  {
    name: 'alertConfigRef on an apply action',
    field: 'spec.rules[0].actions[0].alertConfigRef',
    object: image('apply-ref', {
      rules: [{ type: 'digest', actions: [{ type: 'apply', alertConfigRef: { name: 'team' } }] }],
    }),
  },
  // ---- Image: status (status subresource)
  {
    name: 'unknown result',
    field: 'status.result',
    inStatus: true,
    object: withStatus('result', { result: 'Done' }),
  },
  {
    name: 'condition status not True/False/Unknown',
    field: 'status.conditions[0].status',
    inStatus: true,
    object: withStatus('cond-status', { conditions: [{ ...readyCondition, status: 'Maybe' }] }),
  },
  {
    name: 'condition without reason',
    field: 'status.conditions[0].reason',
    inStatus: true,
    object: withStatus('cond-reason', { conditions: [{ ...readyCondition, reason: undefined }] }),
  },
  {
    name: 'history longer than 10',
    field: 'status.history',
    inStatus: true,
    object: withStatus('history', {
      history: Array.from({ length: 11 }, (_, i) => ({ tag: `v${i}`, time: now })),
    }),
  },
  {
    name: 'negative observedGeneration',
    field: 'status.observedGeneration',
    inStatus: true,
    object: withStatus('observed', { observedGeneration: -1 }),
  },
  // ---- AlertConfig
  {
    name: 'AlertConfig without channel',
    field: 'spec',
    object: alertConfig('no-channel', { templateBody: 'x' }),
  },
  {
    name: 'negative port',
    field: 'spec.email.port',
    object: alertConfig('port-neg', { email: { ...email, port: -1 } }),
  },
  {
    name: 'port above 65535',
    field: 'spec.email.port',
    object: alertConfig('port-big', { email: { ...email, port: 70000 } }),
  },
  {
    name: 'e-mail without recipients',
    field: 'spec.email.to',
    object: alertConfig('no-to', { email: { ...email, to: [] } }),
  },
  {
    name: 'e-mail recipient without @',
    field: 'spec.email.to[0]',
    object: alertConfig('bad-to', { email: { ...email, to: ['ops'] } }),
  },
  {
    name: 'unknown TLS mode',
    field: 'spec.email.tlsMode',
    object: alertConfig('tls', { email: { ...email, tlsMode: 'SSL' } }),
  },
  {
    name: 'password without username',
    field: 'spec.email.password',
    object: alertConfig('password', { email: { ...email, password: secretRef } }),
  },
  {
    name: 'both value and valueFrom',
    field: 'spec.slack.webhookURL',
    object: alertConfig('both', {
      slack: { webhookURL: { value: 'https://hooks.slack.com/x', ...secretRef } },
    }),
  },
  {
    name: 'neither value nor valueFrom',
    field: 'spec.discord.webhookURL',
    object: alertConfig('neither', { discord: { webhookURL: {} } }),
  },
  {
    name: 'valueFrom with both a Secret and a ConfigMap',
    field: 'spec.msteams.webhookURL.valueFrom',
    object: alertConfig('both-refs', {
      msteams: {
        webhookURL: {
          valueFrom: { secretKeyRef: { name: 'a', key: 'url' }, configMapKeyRef: { name: 'b', key: 'url' } },
        },
      },
    }),
  },
  {
    name: 'secretKeyRef without key',
    field: 'spec.slack.webhookURL.valueFrom.secretKeyRef.key',
    object: alertConfig('no-key', {
      slack: { webhookURL: { valueFrom: { secretKeyRef: { name: 'slack' } } } },
    }),
  },
  {
    name: 'inline Slack URL that is not a URL',
    field: 'spec.slack.webhookURL.value',
    object: alertConfig('slack-url', { slack: { webhookURL: { value: 'hooks.slack.com/services/x' } } }),
  },
  {
    name: 'webhook URL with another scheme',
    field: 'spec.webhook.url',
    object: alertConfig('ftp', { webhook: { url: 'ftp://example.com/alerts' } }),
  },
  {
    name: 'duplicate webhook header',
    field: 'spec.webhook.headers[1]',
    object: alertConfig('headers', {
      webhook: {
        url: 'https://example.com',
        headers: [
          { name: 'X-A', value: { value: '1' } },
          { name: 'X-A', value: { value: '2' } },
        ],
      },
    }),
  },
  {
    name: 'header name with a space',
    field: 'spec.webhook.headers[0].name',
    object: alertConfig('header-name', {
      webhook: { url: 'https://example.com', headers: [{ name: 'X A', value: { value: '1' } }] },
    }),
  },
];

export const extraGoodCases: GoodCase[] = extraGoodRows.map(wire);
export const badCases: BadCase[] = badRows.map(wire);
