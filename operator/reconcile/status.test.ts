import { describe, expect, it } from 'vitest';
import { setCondition, type AlertConfig, type Image, type ImageResult } from '../../crds/index.js';
import {
  alertConfigReadiness,
  alertConfigStatusUpdate,
  references,
  type KeyLookup,
} from './alertconfig-status.js';
import { imageReadiness, imageReconciling, imageStalled, imageStatusUpdate } from './image-status.js';

const now = new Date('2030-01-01T00:00:00.123Z');
const later = new Date('2030-01-02T00:00:00Z');

function image(spec: Partial<Image['spec']> = {}, status?: Image['status']): Image {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name: 'web', namespace: 'team', generation: 2 },
    spec: {
      image: 'ghcr.io/acme/web',
      triggers: [{ type: 'crontab', value: '@hourly' }],
      rules: [
        {
          type: 'semver-minor',
          actions: [{ type: 'apply' }, { type: 'alert', alertConfigRef: { name: 'slack' } }],
        },
      ],
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

describe('imageReadiness', () => {
  it('is Ready/Valid for a valid Image whose AlertConfigs exist', () => {
    expect(imageReadiness(image(), new Set(['slack']))).toMatchObject({ status: 'True', reason: 'Valid' });
  });

  it('says InvalidSpec and names the field for an Image that predates the webhook', () => {
    const ready = imageReadiness(
      image({ triggers: [{ type: 'crontab', value: '99 * * * *' }] }),
      new Set(['slack']),
    );
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    // The scheduler's own parser words it (the one that would skip the trigger), naming the bad field.
    expect(ready.message).toMatch(
      /^spec\.triggers\[0\]\.value: schedule "99 \* \* \* \*": the minute field "99"/,
    );
  });

  it('says AlertConfigNotFound with the reference field', () => {
    const ready = imageReadiness(image(), new Set());
    expect(ready).toMatchObject({ status: 'False', reason: 'AlertConfigNotFound' });
    expect(ready.message).toMatch(
      /spec\.rules\[0\]\.actions\[1\]\.alertConfigRef: AlertConfig "slack" not found in namespace team/,
    );
  });

  it('says Suspended for a suspended valid Image', () => {
    expect(imageReadiness(image({ suspend: true }), new Set(['slack']))).toMatchObject({
      status: 'True',
      reason: 'Suspended',
    });
  });
});

describe('Ready follows the last check', () => {
  const failing: ImageResult[] = [
    'RegistryError',
    'PullSecretsError',
    'TagsError',
    'RuleError',
    'ActionError',
    'Error',
  ];

  it.each(failing)('is False with reason %s while the last check failed, quoting its message', (result) => {
    const ready = imageReadiness(
      image({}, { result, message: 'registry down: ECONNREFUSED' }),
      new Set(['slack']),
    );
    expect(ready).toEqual({
      type: 'Ready',
      status: 'False',
      reason: result,
      message: 'The last check failed: registry down: ECONNREFUSED',
    });
  });

  it('is True again once a check succeeded, and says so', () => {
    const ready = imageReadiness(image({}, { result: 'Success', message: 'no update' }), new Set(['slack']));
    expect(ready).toMatchObject({
      status: 'True',
      reason: 'Valid',
      message: expect.stringMatching(/succeeded/),
    });
  });

  it.each([undefined, 'Scheduled' as const])('is True/Valid before any check (result %s)', (result) => {
    const ready = imageReadiness(image({}, result ? { result } : {}), new Set(['slack']));
    expect(ready).toMatchObject({
      status: 'True',
      reason: 'Valid',
      message: expect.stringMatching(/not checked/),
    });
  });

  it('puts an invalid spec and a missing AlertConfig before a failed check', () => {
    const failed = { result: 'RegistryError' as const, message: 'down' };
    expect(imageReadiness(image({ image: 'UPPER/Case' }, failed), new Set(['slack'])).reason).toBe(
      'InvalidSpec',
    );
    expect(imageReadiness(image({}, failed), new Set()).reason).toBe('AlertConfigNotFound');
  });

  it('stays True/Suspended while suspended, whatever the last check said', () => {
    const ready = imageReadiness(image({ suspend: true }, { result: 'RegistryError' }), new Set(['slack']));
    expect(ready).toMatchObject({ status: 'True', reason: 'Suspended' });
  });

  it('is Stalled only for what a retry cannot fix', () => {
    const at = (result: ImageResult) =>
      imageReadiness(image({}, { result, message: 'm' }), new Set(['slack']));
    expect(imageStalled(at('RuleError'))).toMatchObject({
      type: 'Stalled',
      status: 'True',
      reason: 'RuleError',
    });
    expect(imageStalled(imageReadiness(image(), new Set()))).toMatchObject({ reason: 'AlertConfigNotFound' });
    expect(imageStalled(at('RegistryError'))).toBeUndefined();
    expect(imageStalled(at('Success'))).toBeUndefined();
  });
});

describe('imageStatusUpdate', () => {
  const desired = { type: 'Ready', status: 'True' as const, reason: 'Valid', message: 'The spec is valid.' };

  it('writes observedGeneration and Ready on first sight, with second-precision time', () => {
    expect(imageStatusUpdate(image(), desired, now)).toEqual({
      observedGeneration: 2,
      conditions: [
        { ...desired, observedGeneration: 2, lastTransitionTime: '2030-01-01T00:00:00Z' },
        {
          type: 'Reconciling',
          status: 'True',
          reason: 'NotChecked',
          message: 'the controller has not evaluated this Image yet',
          observedGeneration: 2,
          lastTransitionTime: '2030-01-01T00:00:00Z',
        },
      ],
    });
  });

  it('writes nothing when the stored status already says it, whatever the controller wrote', () => {
    const stored = imageStatusUpdate(image(), desired, now)!;
    const img = image(
      {},
      {
        tag: 'v1.2.0',
        result: 'Success',
        observedGeneration: stored.observedGeneration,
        conditions: [
          {
            type: 'UpToDate',
            status: 'True',
            reason: 'Rolled',
            message: '',
            observedGeneration: 2,
            lastTransitionTime: '2029-01-01T00:00:00Z',
          },
          ...stored.conditions.filter((c) => c.type === 'Ready'),
        ],
      },
    );
    expect(imageStatusUpdate(img, desired, later)).toBeUndefined();
  });

  it('keeps lastTransitionTime when only the reason changes, and moves it when the status does', () => {
    const first = setCondition(undefined, desired, 1, now);
    const sameStatus = setCondition(first, { ...desired, reason: 'Suspended' }, 1, later);
    expect(sameStatus.lastTransitionTime).toBe(first.lastTransitionTime);
    const flipped = setCondition(first, { ...desired, status: 'False', reason: 'InvalidSpec' }, 1, later);
    expect(flipped.lastTransitionTime).toBe('2030-01-02T00:00:00Z');
  });

  it('adds Stalled with Ready=False/RuleError and drops it on recovery', () => {
    const ruleError = { type: 'Ready', status: 'False' as const, reason: 'RuleError', message: 'bad range' };
    const stalled = imageStatusUpdate(image(), ruleError, now)!;
    expect(stalled.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'False', 'RuleError'],
      ['Stalled', 'True', 'RuleError'],
    ]);
    expect(imageStatusUpdate(image({}, stalled), ruleError, later)).toBeUndefined();
    const checked = { ...stalled, conditions: [...stalled.conditions, upToDate(2)] };
    const recovered = imageStatusUpdate(image({}, checked), desired, later)!;
    expect(recovered.conditions.map((c) => c.type)).toEqual(['Ready']);
  });

  it('is Reconciling until the controller evaluated this generation, and while a rollout is followed', () => {
    const reconciling = (status: Image['status'], spec: Partial<Image['spec']> = {}) =>
      imageStatusUpdate(image(spec, status), desired, now)?.conditions.find((c) => c.type === 'Reconciling');
    expect(reconciling(undefined)).toMatchObject({ status: 'True', reason: 'NotChecked' });
    expect(reconciling({ conditions: [upToDate(1)] })).toMatchObject({
      reason: 'NewGeneration',
      message: expect.stringMatching(/generation 2 .*last: 1/),
    });
    expect(reconciling({ conditions: [upToDate(2)] })).toBeUndefined();
    // A manual-only Image waits for its refresh annotation once it has been seen.
    const manual = { triggers: [{ type: 'manual' as const }] };
    expect(reconciling({ conditions: [upToDate(1)] }, manual)).toBeUndefined();
    expect(reconciling(undefined, manual)).toMatchObject({ reason: 'NotChecked' });
    const rollout = {
      tag: 'v1.3.0',
      startTime: '2030-01-01T00:00:00Z',
      deadline: '2030-01-01T00:05:00Z',
      phase: 'Watching' as const,
      workloads: [],
    };
    expect(reconciling({ conditions: [upToDate(2)], rollout })).toMatchObject({
      reason: 'RolloutInProgress',
      message: expect.stringMatching(/v1\.3\.0 until 2030-01-01T00:05:00Z/),
    });
    expect(
      reconciling({
        conditions: [upToDate(2)],
        rollout: { ...rollout, phase: 'RollingBack', reason: 'crash' },
      }),
    ).toMatchObject({ reason: 'RollingBack' });
    // Nobody works on a suspended Image, nor on one a human must fix first.
    expect(reconciling(undefined, { suspend: true })).toBeUndefined();
    const invalid = image({ image: 'UPPER/Case' });
    expect(imageReconciling(invalid, imageReadiness(invalid, new Set(['slack'])))).toBeUndefined();
  });

  it('drops Reconciling once the controller caught up', () => {
    const first = imageStatusUpdate(image(), desired, now)!;
    const caught = imageStatusUpdate(
      image({}, { ...first, conditions: [...first.conditions, upToDate(2)] }),
      desired,
      later,
    )!;
    expect(caught.conditions.map((c) => c.type)).toEqual(['Ready']);
  });

  it('writes when the generation moved on', () => {
    const stored = imageStatusUpdate(image(), desired, now)!;
    const img = image({}, stored);
    img.metadata.generation = 3;
    expect(imageStatusUpdate(img, desired, later)?.observedGeneration).toBe(3);
  });
});

function upToDate(observedGeneration: number) {
  return {
    type: 'UpToDate',
    status: 'True' as const,
    reason: 'NoUpdate',
    message: '',
    observedGeneration,
    lastTransitionTime: '2029-01-01T00:00:00Z',
  };
}

function alertConfig(spec: AlertConfig['spec']): AlertConfig {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: 'team', namespace: 'ns', generation: 1 },
    spec,
  };
}

function lookup(objects: Record<string, Record<string, boolean>>): KeyLookup {
  return {
    keys: (kind, namespace, name) => {
      const o = objects[`${kind}/${namespace}/${name}`];
      return o ? new Map(Object.entries(o)) : undefined;
    },
  };
}

const secretRef = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });

describe('alertConfigReadiness', () => {
  const spec: AlertConfig['spec'] = {
    slack: { webhookURL: secretRef('slack', 'url') },
    email: {
      host: 'smtp.example.com',
      from: 'tp@example.com',
      to: ['ops@example.com'],
      username: { value: 'tp' },
      password: { valueFrom: { configMapKeyRef: { name: 'smtp', key: 'password' } } },
    },
    webhook: {
      url: 'https://hooks.example.com/x',
      headers: [{ name: 'Authorization', value: secretRef('hook', 'token') }],
    },
  };

  it('lists every reference with its field', () => {
    expect(references(spec).map((r) => `${r.field}→${r.kind}/${r.name}.${r.key}`)).toEqual([
      'spec.slack.webhookURL→Secret/slack.url',
      'spec.email.password→ConfigMap/smtp.password',
      'spec.webhook.headers[0].value→Secret/hook.token',
    ]);
  });

  it('is Resolved when every referenced key exists and has a value', () => {
    const r = alertConfigReadiness(
      alertConfig(spec),
      lookup({
        'Secret/ns/slack': { url: true },
        'ConfigMap/ns/smtp': { password: true },
        'Secret/ns/hook': { token: true },
      }),
    );
    expect(r.ready).toMatchObject({
      status: 'True',
      reason: 'Resolved',
      message: 'Every channel resolved: slack, email, webhook.',
    });
    expect(r.channels).toEqual([
      { type: 'slack', resolved: true },
      { type: 'email', resolved: true },
      { type: 'webhook', resolved: true },
    ]);
  });

  it.each([
    ['a missing Secret', {}, 'SecretNotFound', /spec\.slack\.webhookURL: Secret ns\/slack not found/],
    [
      'a missing key',
      { 'Secret/ns/slack': { other: true } },
      'KeyNotFound',
      /Secret ns\/slack has no key "url" \(its keys: other\)/,
    ],
    [
      'an empty value',
      { 'Secret/ns/slack': { url: false } },
      'EmptyValue',
      /key "url" of Secret ns\/slack is empty/,
    ],
  ])('reports %s on the channel and in Ready', (_n, objects, reason, message) => {
    const r = alertConfigReadiness(alertConfig({ slack: spec.slack }), lookup(objects));
    expect(r.ready).toMatchObject({ status: 'False', reason });
    expect(r.ready.message).toMatch(/^1 of 1 channels cannot be used \(slack\)/);
    expect(r.ready.message).toMatch(message);
    expect(r.channels).toEqual([{ type: 'slack', resolved: false, message: expect.stringMatching(message) }]);
  });

  it('reports a missing ConfigMap and keeps the other channels resolved', () => {
    const r = alertConfigReadiness(
      alertConfig(spec),
      lookup({ 'Secret/ns/slack': { url: true }, 'Secret/ns/hook': { token: true } }),
    );
    expect(r.ready).toMatchObject({ status: 'False', reason: 'ConfigMapNotFound' });
    expect(r.channels.map((c) => c.resolved)).toEqual([true, false, true]);
  });

  it('says InvalidTemplate for a template error', () => {
    const r = alertConfigReadiness(
      alertConfig({
        slack: { webhookURL: { value: 'https://hooks.slack.com/x' } },
        templateBody: '{{ .tag }}',
      }),
      lookup({}),
    );
    expect(r.ready).toMatchObject({ status: 'False', reason: 'InvalidTemplate' });
    expect(r.ready.message).toMatch(
      /^spec\.templateBody: Invalid value: line 1, column 1: unknown variable \.tag/,
    );
  });

  it('never puts a value into the status', () => {
    const r = alertConfigReadiness(
      alertConfig({
        slack: { webhookURL: { value: 'https://hooks.slack.com/services/SECRET-TOKEN' } },
        templateBody: '{{ .bad }}',
      }),
      lookup({}),
    );
    expect(JSON.stringify(r)).not.toMatch(/SECRET-TOKEN/);
  });
});

describe('alertConfigStatusUpdate', () => {
  it('writes once, then nothing while nothing changes', () => {
    const ac = alertConfig({ slack: { webhookURL: { value: 'https://hooks.slack.com/x' } } });
    const readiness = alertConfigReadiness(ac, lookup({}));
    const first = alertConfigStatusUpdate(ac, readiness, now);
    expect(first).toBeDefined();
    expect(alertConfigStatusUpdate({ ...ac, status: first }, readiness, later)).toBeUndefined();
  });
});
