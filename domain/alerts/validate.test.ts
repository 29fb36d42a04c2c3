import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { AlertConfig, AlertConfigSpec } from '../../crds/index.js';
import { alertConfigErrors, mailbox, validateAlertConfigSpec } from './validate.js';

const valid: AlertConfigSpec = {
  slack: { webhookURL: { valueFrom: { secretKeyRef: { name: 'slack', key: 'url' } } }, channel: '#deploys' },
  discord: { webhookURL: { value: 'https://discord.com/api/webhooks/1/abc' } },
  msteams: { webhookURL: { valueFrom: { configMapKeyRef: { name: 'teams', key: 'url' } } } },
  email: {
    host: 'smtp.example.com',
    port: 587,
    username: { value: 'alerts' },
    password: { valueFrom: { secretKeyRef: { name: 'smtp', key: 'password' } } },
    from: 'Tagpilot <alerts@example.com>',
    to: ['ops@example.com', 'dev@example.com'],
    tlsMode: 'StartTLS',
  },
  webhook: {
    url: 'https://hooks.example.com/tagpilot',
    secret: { valueFrom: { secretKeyRef: { name: 'hook', key: 'hmac' } } },
    headers: [
      { name: 'Authorization', value: { valueFrom: { secretKeyRef: { name: 'hook', key: 'token' } } } },
    ],
  },
  templateSubject: '{{ .namespace }}/{{ .name }} → {{ .newTag }}',
  templateBody: 'New tag {{ .newTag }}\n{{- "" }}\nTags: {{ .availableTags }}',
};

describe('validateAlertConfigSpec', () => {
  it('accepts a spec that uses every channel and both templates', () => {
    expect(validateAlertConfigSpec(valid)).toEqual([]);
  });

  it.each<[string, AlertConfigSpec, string, string]>([
    ['no channel', { templateBody: 'x' }, 'spec', 'configure at least one channel'],
    [
      'unknown template variable',
      { ...valid, templateBody: 'a\n{{ .tag }}' },
      'spec.templateBody',
      'line 2, column 1: unknown variable .tag',
    ],
    [
      'template code',
      { ...valid, templateSubject: '{{ exec "rm" }}' },
      'spec.templateSubject',
      'unsupported action',
    ],
    [
      'multi-line subject',
      { ...valid, templateSubject: 'a\nb' },
      'spec.templateSubject',
      'a subject is one line',
    ],
    [
      'inline URL not http',
      { slack: { webhookURL: { value: 'ftp://x/y' } } },
      'spec.slack.webhookURL.value',
      'http or https URL',
    ],
    [
      'inline URL garbage',
      { msteams: { webhookURL: { value: 'not a url' } } },
      'spec.msteams.webhookURL.value',
      'http or https URL',
    ],
    [
      'value and valueFrom',
      {
        discord: {
          webhookURL: { value: 'https://a/b', valueFrom: { secretKeyRef: { name: 'a', key: 'b' } } },
        },
      },
      'spec.discord.webhookURL',
      'exactly one of value or valueFrom',
    ],
    [
      'both refs',
      {
        discord: {
          webhookURL: {
            valueFrom: { secretKeyRef: { name: 'a', key: 'b' }, configMapKeyRef: { name: 'a', key: 'b' } },
          },
        },
      },
      'spec.discord.webhookURL.valueFrom',
      'exactly one of secretKeyRef or configMapKeyRef',
    ],
    [
      'ref without key',
      { discord: { webhookURL: { valueFrom: { secretKeyRef: { name: 'a', key: '' } } } } },
      'spec.discord.webhookURL.valueFrom.secretKeyRef.key',
      'Required',
    ],
    [
      'slack channel with space',
      { slack: { webhookURL: { value: 'https://a/b' }, channel: '#a b' } },
      'spec.slack.channel',
      'without spaces',
    ],
    [
      'email host with scheme',
      { email: { ...valid.email!, host: 'smtp://mail' } },
      'spec.email.host',
      'without scheme',
    ],
    ['email bad port', { email: { ...valid.email!, port: 70000 } }, 'spec.email.port', 'between 1 and 65535'],
    ['email bad from', { email: { ...valid.email!, from: 'alerts' } }, 'spec.email.from', 'an address'],
    [
      'email bad to',
      { email: { ...valid.email!, to: ['ok@example.com', 'nope'] } },
      'spec.email.to[1]',
      'an address',
    ],
    ['email no to', { email: { ...valid.email!, to: [] } }, 'spec.email.to', 'at least one recipient'],
    [
      'username without password',
      { email: { host: 'h', from: 'a@b', to: ['c@d'], username: { value: 'u' } } },
      'spec.email.password',
      'together',
    ],
    ['webhook URL', { webhook: { url: 'hooks.example.com' } }, 'spec.webhook.url', 'http or https URL'],
    [
      'reserved header',
      { webhook: { url: 'https://a/b', headers: [{ name: 'X-Tagpilot-Signature', value: { value: 'x' } }] } },
      'spec.webhook.headers[0].name',
      'is set by Tagpilot',
    ],
    [
      'duplicate header',
      {
        webhook: {
          url: 'https://a/b',
          headers: [
            { name: 'X-A', value: { value: '1' } },
            { name: 'x-a', value: { value: '2' } },
          ],
        },
      },
      'spec.webhook.headers[1].name',
      'set twice',
    ],
    [
      'bad header name',
      { webhook: { url: 'https://a/b', headers: [{ name: 'X A', value: { value: '1' } }] } },
      'spec.webhook.headers[0].name',
      'not a valid HTTP header name',
    ],
    [
      'header without value',
      { webhook: { url: 'https://a/b', headers: [{ name: 'X-A', value: {} }] } },
      'spec.webhook.headers[0].value',
      'exactly one of value or valueFrom',
    ],
  ])('reports %s', (_name, spec, field, message) => {
    const errors = validateAlertConfigSpec(spec);
    expect(errors.map((e) => e.field)).toContain(field);
    expect(errors.find((e) => e.field === field)?.message).toContain(message);
  });

  it('never echoes an inline value in a message', () => {
    const errors = validateAlertConfigSpec({ slack: { webhookURL: { value: 'sekrit-token-not-a-url' } } });
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors)).not.toContain('sekrit');
  });
});

describe('mailbox', () => {
  it.each([
    ['a@b.c', 'a@b.c'],
    ['Tagpilot <a@b.c>', 'a@b.c'],
    ['"Tag Pilot" <a@b.c>', 'a@b.c'],
    ['<a@b.c>', 'a@b.c'],
    ['a b@c', undefined],
    ['Tagpilot', undefined],
    ['Tagpilot <>', undefined],
  ])('%s → %s', (input, expected) => {
    expect(mailbox(input)).toBe(expected);
  });
});

describe('shipped samples (config/samples/alertconfig-*.yaml)', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../config/samples');
  const files = readdirSync(dir).filter((f) => f.startsWith('alertconfig-') && f.endsWith('.yaml'));

  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s passes the alert checks', (file) => {
    const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map(
      (d) => d.toJS() as { kind?: string; spec: AlertConfigSpec },
    );
    const configs = docs.filter((d) => d?.kind === 'AlertConfig');
    expect(configs.length).toBeGreaterThan(0);
    for (const c of configs) expect(validateAlertConfigSpec(c.spec)).toEqual([]);
  });
});

function alertConfig(spec: Partial<AlertConfig['spec']>): AlertConfig {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: 'team', namespace: 'ns' },
    spec: { slack: { webhookURL: { valueFrom: { secretKeyRef: { name: 'slack', key: 'url' } } } }, ...spec },
  };
}

describe('alertConfigErrors', () => {
  it('accepts a valid AlertConfig', () => {
    expect(alertConfigErrors(alertConfig({ templateSubject: '{{ .name }} is now {{ .newTag }}' }))).toEqual(
      [],
    );
  });

  it('names the template field and position of an unknown variable', () => {
    const errors = alertConfigErrors(alertConfig({ templateBody: 'new: {{ .newtag }}' }));
    expect(errors).toEqual([
      {
        field: 'spec.templateBody',
        message: expect.stringMatching(
          /line 1, column 6: unknown variable \.newtag \(did you mean \.newTag\?\)/,
        ),
      },
    ]);
  });

  it('rejects an inline webhook URL the URL parser cannot read', () => {
    const errors = alertConfigErrors(alertConfig({ webhook: { url: 'http://exa mple.com' } }));
    expect(errors.map((e) => e.field)).toContain('spec.webhook.url');
  });

  it('rejects an AlertConfig without channels (schema)', () => {
    const errors = alertConfigErrors({ ...alertConfig({}), spec: {} });
    expect(errors[0]?.message).toMatch(/at least one channel/);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown event', ['Updated', 'Deployed'], /Unsupported value: supported values: "Updated", "Failed"/],
    ['an event twice', ['Failed', 'Failed'], /Duplicate value/],
    ['no event at all', [], /fewer than 1 item/],
  ])('rejects spec.events with %s (schema)', (_name, events, message) => {
    const errors = alertConfigErrors(
      alertConfig({ webhook: { url: 'https://hooks.example.com/x' }, events } as unknown as AlertConfigSpec),
    );
    expect(errors.map((e) => e.field)[0]).toMatch(/^spec\.events/);
    expect(errors[0]?.message).toMatch(message);
  });

  it('accepts a chosen set of events', () => {
    expect(
      alertConfigErrors(alertConfig({ webhook: { url: 'https://h/x' }, events: ['Failed', 'Recovered'] })),
    ).toEqual([]);
  });
});
