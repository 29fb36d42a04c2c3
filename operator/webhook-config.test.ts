import { describe, expect, it } from 'vitest';
import { POD_SPEC_PATHS } from '../webhook/index.js';
import {
  mutatingWebhookConfiguration,
  MUTATING_RULES,
  validatingWebhookConfiguration,
  type WebhookConfigOptions,
} from './webhook-config.js';

const base: WebhookConfigOptions = {
  name: 'tagpilot-operator',
  endpoint: { service: { namespace: 'tagpilot-system', name: 'tagpilot-operator-webhook', port: 443 } },
  caBundle: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  failurePolicy: 'Ignore',
  timeoutSeconds: 5,
  ownNamespace: 'tagpilot-system',
};

/** Evaluates a LabelSelector the way the apiserver does, for the operators used here. */
function matches(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'In' && !has) return false;
    if (e.operator === 'NotIn' && has) return false;
  }
  return true;
}

describe('mutatingWebhookConfiguration', () => {
  const config = mutatingWebhookConfiguration(base);
  const webhooksFor = (nsLabels: Record<string, string>, objLabels: Record<string, string>) =>
    (config.webhooks ?? []).filter(
      (w) => matches(w.namespaceSelector, nsLabels) && matches(w.objectSelector, objLabels),
    );

  it.each([
    ['opted-in namespace, plain object', { 'tagpilot.dev/webhook': 'enabled' }, {}, 1],
    [
      'opted-in namespace, object opted out',
      { 'tagpilot.dev/webhook': 'enabled' },
      { 'tagpilot.dev/webhook': 'disabled' },
      0,
    ],
    [
      'opted-in namespace, object opted in too (called once)',
      { 'tagpilot.dev/webhook': 'enabled' },
      { 'tagpilot.dev/webhook': 'enabled' },
      1,
    ],
    ['plain namespace, object opted in', {}, { 'tagpilot.dev/webhook': 'enabled' }, 1],
    ['plain namespace, plain object', {}, {}, 0],
    [
      "the operator's own namespace, even opted in",
      { 'tagpilot.dev/webhook': 'enabled', 'kubernetes.io/metadata.name': 'tagpilot-system' },
      { 'tagpilot.dev/webhook': 'enabled' },
      0,
    ],
  ])('%s → %i webhook call(s)', (_n, nsLabels, objLabels, calls) => {
    expect(webhooksFor({ 'kubernetes.io/metadata.name': 'team', ...nsLabels }, objLabels)).toHaveLength(
      calls,
    );
  });

  it('registers exactly the kinds the patcher knows, with sideEffects None and the Service path', () => {
    const kinds = MUTATING_RULES.flatMap((r) =>
      (r.resources ?? []).map((res) => `${r.apiGroups?.[0] || 'core'}/${res}`),
    );
    expect(kinds.sort()).toEqual(
      Object.keys(POD_SPEC_PATHS)
        .map((k) => `${k.split('/')[0]}/${k.split('/')[1]!.toLowerCase()}s`)
        .sort(),
    );
    for (const w of config.webhooks ?? []) {
      expect(w.sideEffects).toBe('None');
      expect(w.clientConfig.service).toEqual({
        namespace: 'tagpilot-system',
        name: 'tagpilot-operator-webhook',
        port: 443,
        path: '/mutate',
      });
      expect(Buffer.from(w.clientConfig.caBundle!, 'base64').toString()).toBe(base.caBundle);
    }
  });
});

describe('validatingWebhookConfiguration', () => {
  it('calls /validate at the URL for Images and AlertConfigs with the configured policy', () => {
    const config = validatingWebhookConfiguration({
      ...base,
      endpoint: { url: 'https://127.0.0.1:9443' },
      failurePolicy: 'Fail',
      timeoutSeconds: 3,
    });
    const [w] = config.webhooks ?? [];
    expect(w?.clientConfig.url).toBe('https://127.0.0.1:9443/validate');
    expect(w?.failurePolicy).toBe('Fail');
    expect(w?.timeoutSeconds).toBe(3);
    expect(w?.rules?.[0]?.resources).toEqual(['images', 'alertconfigs']);
  });
});
