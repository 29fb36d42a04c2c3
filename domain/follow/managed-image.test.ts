import { describe, expect, it } from 'vitest';
import { followSettings, isFollowed, parseFollowRule } from './annotations.js';
import { managedImageName, managedImages, type FollowedWorkload } from './managed-image.js';

function workload(
  annotations: Record<string, string>,
  extra: Partial<FollowedWorkload> = {},
): FollowedWorkload {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'web',
    namespace: 'apps',
    uid: '1f0c9a52-5d3e-4e0e-9a5b-6b1d2a3c4d5e',
    annotations,
    containers: [
      { name: 'app', image: 'registry.local:5000/team/app:latest', init: false },
      { name: 'proxy', image: 'nginx:1.25.3', init: false },
      { name: 'migrate', image: 'registry.local:5000/team/app:latest', init: true },
    ],
    pullSecrets: ['regcred', 'sa-cred', 'regcred'],
    ...extra,
  };
}
const defaults = { schedule: '@every 5m' };

describe('managedImages', () => {
  it('keeps one Image per followed container, owned by and targeting the workload', () => {
    const { images, problems } = managedImages(workload({ 'tagpilot.dev/follow': 'digest' }), defaults);
    expect(problems).toEqual([]);
    expect(images.map((i) => i.spec.image)).toEqual(['registry.local:5000/team/app', 'nginx']);
    const [app] = images;
    expect(app!.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', controller: true }),
    ]);
    expect(app!.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'tagpilot',
      'tagpilot.dev/container': 'app',
    });
    expect(app!.spec).toMatchObject({
      baseTag: 'latest',
      imagePullSecrets: [{ name: 'regcred' }, { name: 'sa-cred' }],
      triggers: [{ type: 'crontab', value: '@every 5m' }, { type: 'webhook' }],
      rules: [{ name: 'follow', type: 'digest', actions: [{ type: 'apply' }] }],
      targets: [{ kind: 'Deployment', name: 'web', containers: ['app'] }],
    });
  });

  it('lets a container annotation override or leave out, and follows init containers only when named', () => {
    const { images, problems } = managedImages(
      workload({
        'tagpilot.dev/follow': 'digest',
        'tagpilot.dev/follow.proxy': 'semver-minor',
        'tagpilot.dev/follow.migrate': 'digest',
        'tagpilot.dev/schedule': '0 3 * * *',
        'tagpilot.dev/alert': 'team',
        'tagpilot.dev/actions': 'apply,restart',
      }),
      defaults,
    );
    expect(problems).toEqual([]);
    expect(images.map((i) => [i.metadata.labels?.['tagpilot.dev/container'], i.spec.rules[0]!.type])).toEqual(
      [
        ['app', 'digest'],
        ['proxy', 'semver-minor'],
        ['migrate', 'digest'],
      ],
    );
    expect(images[1]!.spec.baseTag).toBe('1.25.3');
    expect(images[0]!.spec.triggers[0]).toEqual({ type: 'crontab', value: '0 3 * * *' });
    expect(images[0]!.spec.rules[0]!.actions).toEqual([
      { type: 'apply' },
      { type: 'restart' },
      { type: 'alert', alertConfigRef: { name: 'team' } },
    ]);
    const none = managedImages(
      workload({ 'tagpilot.dev/follow': 'digest', 'tagpilot.dev/follow.proxy': 'none' }),
      defaults,
    );
    expect(none.images.map((i) => i.metadata.labels?.['tagpilot.dev/container'])).toEqual(['app']);
  });

  it('takes type:value rules', () => {
    const { images, problems } = managedImages(
      workload({ 'tagpilot.dev/follow.proxy': 'semver-range:>=1.25 <2' }),
      defaults,
    );
    expect(problems).toEqual([]);
    expect(images).toHaveLength(1);
    expect(images[0]!.spec.rules[0]).toMatchObject({ type: 'semver-range', value: '>=1.25 <2' });
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    [
      'unknown rule',
      { 'tagpilot.dev/follow': 'latest' },
      /annotation tagpilot.dev\/follow \(container app\): spec.rules\[0\].type: .*write digest/,
    ],
    [
      'rule needing a value',
      { 'tagpilot.dev/follow.app': 'regex' },
      /annotation tagpilot.dev\/follow.app \(container app\): spec.rules\[0\].value/,
    ],
    [
      'bad regex',
      { 'tagpilot.dev/follow.app': 'regex:(' },
      /annotation tagpilot.dev\/follow.app .*spec.rules\[0\].value/,
    ],
    [
      'bad schedule',
      { 'tagpilot.dev/follow': 'digest', 'tagpilot.dev/schedule': '61 * * * *' },
      /annotation tagpilot.dev\/schedule \(container app\): spec.triggers\[0\].value/,
    ],
    [
      'unknown container',
      { 'tagpilot.dev/follow.api': 'digest' },
      /no container "api" \(containers: app, proxy, migrate\)/,
    ],
    ['empty rule', { 'tagpilot.dev/follow': ' ' }, /annotation tagpilot.dev\/follow is empty; write digest/],
    [
      'unknown action',
      { 'tagpilot.dev/follow': 'digest', 'tagpilot.dev/actions': 'apply,deploy' },
      /unknown action "deploy"; write apply, restart/,
    ],
    [
      'bad alert name',
      { 'tagpilot.dev/follow': 'digest', 'tagpilot.dev/alert': 'Team_A' },
      /annotation tagpilot.dev\/alert/,
    ],
  ];
  it.each(bad)('reports %s', (_name, annotations, message) => {
    const { problems } = managedImages(workload(annotations), defaults);
    expect(problems.join('\n')).toMatch(message);
  });

  it('blames the operator flag, not an annotation, for a bad default schedule', () => {
    const { problems } = managedImages(workload({ 'tagpilot.dev/follow.app': 'digest' }), {
      schedule: '@every 2s',
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^the operator flag --follow-default-schedule \(container app\): spec.triggers\[0\].value: .*minimum interval/,
      ),
    ]);
  });

  it('refuses a digest-only reference: there is no tag to follow', () => {
    const w = workload(
      { 'tagpilot.dev/follow.app': 'digest' },
      {
        containers: [{ name: 'app', image: `nginx@sha256:${'a'.repeat(64)}`, init: false }],
      },
    );
    expect(managedImages(w, defaults).problems.join()).toMatch(/names a digest without a tag/);
  });

  it('follows a pinned reference by its tag', () => {
    const w = workload(
      { 'tagpilot.dev/follow': 'digest' },
      {
        containers: [
          { name: 'app', image: `registry.local:5000/team/app:latest@sha256:${'a'.repeat(64)}`, init: false },
        ],
      },
    );
    const [img] = managedImages(w, defaults).images;
    expect(img!.spec).toMatchObject({ image: 'registry.local:5000/team/app', baseTag: 'latest' });
  });
});

describe('managedImageName', () => {
  it('is readable, deterministic and unique where the readable part collides', () => {
    expect(managedImageName('Deployment', 'web', 'app')).toMatch(/^deployment-web-app-[0-9a-f]{8}$/);
    expect(managedImageName('Deployment', 'web', 'app')).toBe(managedImageName('Deployment', 'web', 'app'));
    expect(managedImageName('Deployment', 'web', 'a-b')).not.toBe(
      managedImageName('Deployment', 'web-a', 'b'),
    );
  });

  it('stays within 63 characters for the longest names', () => {
    const name = managedImageName('StatefulSet', `${'x'.repeat(240)}.y`, 'c'.repeat(63));
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('annotations', () => {
  it('isFollowed sees the workload and the container annotations only', () => {
    expect(isFollowed({ 'tagpilot.dev/follow': 'digest' })).toBe(true);
    expect(isFollowed({ 'tagpilot.dev/follow.app': 'digest' })).toBe(true);
    expect(isFollowed({ 'tagpilot.dev/schedule': '@hourly' })).toBe(false);
    expect(isFollowed(undefined)).toBe(false);
  });

  it('parseFollowRule splits at the first colon', () => {
    expect(parseFollowRule('digest')).toEqual({ type: 'digest' });
    expect(parseFollowRule('regex:^v(?<version>\\d+):x$')).toEqual({
      type: 'regex',
      value: '^v(?<version>\\d+):x$',
    });
  });

  it('defaults actions to apply', () => {
    expect(followSettings({ 'tagpilot.dev/follow': 'digest' }, [{ name: 'a', init: false }]).actions).toEqual(
      ['apply'],
    );
  });
});
