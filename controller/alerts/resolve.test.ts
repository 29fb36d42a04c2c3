import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AlertConfig } from '../../crds/index.js';
import { resolveChannels } from './resolve.js';
import { describeRef, noClusterReader, ValueReadError, type ValueReader, type ValueRef } from './values.js';

/** In-memory Secrets/ConfigMaps with the error messages of kubeValueReader. */
function fakeReader(objects: Record<string, Record<string, string>>): ValueReader & { reads: ValueRef[] } {
  const reads: ValueRef[] = [];
  return {
    reads,
    async read(ref) {
      reads.push(ref);
      const obj = objects[`${ref.kind}/${ref.namespace}/${ref.name}`];
      if (!obj) throw new ValueReadError(`${describeRef({ ...ref, key: undefined })} not found`);
      const v = obj[ref.key];
      if (v === undefined)
        throw new ValueReadError(`${describeRef({ ...ref, key: undefined })} has no key "${ref.key}"`);
      return v;
    },
  };
}

function alertConfig(spec: AlertConfig['spec']): AlertConfig {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: 'team', namespace: 'apps' },
    spec,
  };
}

const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/sekrit-slack-token';
const PASSWORD = 'sekrit-smtp-password';

const full = alertConfig({
  slack: { webhookURL: { valueFrom: { secretKeyRef: { name: 'alerts', key: 'slack' } } }, channel: '#ops' },
  discord: { webhookURL: { value: 'https://discord.com/api/webhooks/1/inline' } },
  msteams: { webhookURL: { valueFrom: { configMapKeyRef: { name: 'teams', key: 'url' } } } },
  email: {
    host: 'smtp.example.com',
    username: { value: 'alerts' },
    password: { valueFrom: { secretKeyRef: { name: 'alerts', key: 'smtp' } } },
    from: 'alerts@example.com',
    to: ['ops@example.com'],
  },
  webhook: {
    url: 'https://hooks.example.com/x',
    secret: { valueFrom: { secretKeyRef: { name: 'alerts', key: 'hmac' } } },
    headers: [{ name: 'Authorization', value: { value: 'Bearer sekrit-bearer' } }],
  },
});

const objects = {
  'Secret/apps/alerts': { slack: SLACK_URL + '\n', smtp: PASSWORD, hmac: 'sekrit-hmac-key' },
  'ConfigMap/apps/teams': { url: 'https://example.webhook.office.com/webhookb2/x' },
};

describe('resolveChannels', () => {
  it('resolves every channel, reading each object once, in the AlertConfig namespace', async () => {
    const reader = fakeReader(objects);
    const r = await resolveChannels(full, reader);
    expect(r.failures).toEqual([]);
    expect(r.configured).toEqual(['slack', 'discord', 'msteams', 'email', 'webhook']);
    expect(r.channels.map((c) => c.type)).toEqual(r.configured);
    const slack = r.channels.find((c) => c.type === 'slack');
    // kubectl create secret --from-file keeps the final newline: chomped.
    expect(slack).toMatchObject({ webhookURL: SLACK_URL, channel: '#ops' });
    expect(r.channels.find((c) => c.type === 'email')).toMatchObject({
      port: 587,
      tlsMode: 'Auto',
      username: 'alerts',
      password: PASSWORD,
      insecureSkipTLSVerify: false,
    });
    expect(r.channels.find((c) => c.type === 'webhook')).toMatchObject({
      secret: 'sekrit-hmac-key',
      headers: [{ name: 'Authorization', value: 'Bearer sekrit-bearer' }],
    });
    expect(reader.reads.every((ref) => ref.namespace === 'apps')).toBe(true);
    expect(r.sensitive).toEqual(
      expect.arrayContaining([SLACK_URL, PASSWORD, 'sekrit-hmac-key', 'Bearer sekrit-bearer']),
    );
  });

  it('hides resolved values from JSON, util.inspect and enumeration of the resolution', async () => {
    const r = await resolveChannels(full, fakeReader(objects));
    const printed = JSON.stringify(r) + inspect(r, { depth: 10 }) + inspect(r.channels[0]);
    expect(printed).not.toContain('sekrit');
    expect(printed).toContain('[redacted]');
  });

  it('reports a missing Secret, a missing key and no cluster per channel, without values, and resolves the rest', async () => {
    const r = await resolveChannels(
      full,
      fakeReader({ 'Secret/apps/alerts': { smtp: PASSWORD }, 'ConfigMap/apps/teams': { url: 'not a url' } }),
    );
    expect(r.channels.map((c) => c.type)).toEqual(['discord', 'email']);
    expect(r.failures).toEqual([
      { channel: 'slack', message: 'spec.slack.webhookURL: Secret apps/alerts has no key "slack"' },
      { channel: 'msteams', message: 'spec.msteams.webhookURL is not an http(s) URL with a host' },
      { channel: 'webhook', message: 'spec.webhook.secret: Secret apps/alerts has no key "hmac"' },
    ]);

    const none = await resolveChannels(full, noClusterReader);
    expect(none.failures.find((f) => f.channel === 'slack')?.message).toBe(
      'spec.slack.webhookURL: key "slack" of Secret apps/alerts cannot be read without cluster access: pass --kubeconfig PATH',
    );
    expect(none.channels.map((c) => c.type)).toEqual(['discord']);
  });

  it('rejects an empty referenced value', async () => {
    const r = await resolveChannels(
      alertConfig({ slack: { webhookURL: { valueFrom: { secretKeyRef: { name: 's', key: 'k' } } } } }),
      fakeReader({ 'Secret/apps/s': { k: '\n' } }),
    );
    expect(r.failures[0]?.message).toBe('spec.slack.webhookURL: key "k" of Secret apps/s is empty');
  });
});
