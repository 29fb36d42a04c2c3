import { describe, expect, it } from 'vitest';
import type { Image } from '../crds/index.js';
import { pinPatch, planPins, POD_SPEC_PATHS } from './mutate.js';
import { namespacePins } from './pins.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OLD_DIGEST = `sha256:${'b'.repeat(64)}`;

function image(
  name: string,
  repository: string,
  status: Image['status'],
  ruleType: Image['spec']['rules'][number]['type'] = 'semver-minor',
): Image {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name, namespace: 'ns' },
    spec: {
      image: repository,
      triggers: [{ type: 'webhook' }],
      rules: [{ type: ruleType, actions: [{ type: 'apply' }] }],
    },
    ...(status ? { status } : {}),
  };
}

const web = image('web', 'registry.local:5000/acme/web', { tag: 'v1.4.2' });
const nginx = image('nginx', 'nginx', { tag: '1.27.1' });

function podSpec(containers: string[], initContainers: string[] = []) {
  return {
    ...(initContainers.length
      ? { initContainers: initContainers.map((img, i) => ({ name: `i${i}`, image: img })) }
      : {}),
    containers: containers.map((img, i) => ({ name: `c${i}`, image: img })),
  };
}

function wrap(group: string, kind: string, spec: unknown): unknown {
  switch (`${group}/${kind}`) {
    case '/Pod':
      return { metadata: { name: 'p' }, spec };
    case 'batch/CronJob':
      return { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec } } } } };
    default:
      return { spec: { template: { spec } } };
  }
}

describe('planPins', () => {
  const kinds: [string, string, string][] = [
    ['', 'Pod', '/spec'],
    ['apps', 'Deployment', '/spec/template/spec'],
    ['apps', 'StatefulSet', '/spec/template/spec'],
    ['apps', 'DaemonSet', '/spec/template/spec'],
    ['apps', 'ReplicaSet', '/spec/template/spec'],
    ['batch', 'Job', '/spec/template/spec'],
    ['batch', 'CronJob', '/spec/jobTemplate/spec/template/spec'],
  ];

  it.each(kinds)('pins containers and init containers of a %s/%s at %s', (group, kind, base) => {
    const obj = wrap(
      group,
      kind,
      podSpec(['registry.local:5000/acme/web:v1.0.0', 'busybox:1.36'], ['nginx:1.0']),
    );
    const { patch } = planPins(group, kind, obj, [web, nginx]);
    expect(patch).toEqual([
      { op: 'replace', path: `${base}/initContainers/0/image`, value: 'nginx:1.27.1' },
      { op: 'replace', path: `${base}/containers/0/image`, value: 'registry.local:5000/acme/web:v1.4.2' },
    ]);
  });

  it('covers exactly the kinds the webhook configuration registers', () => {
    expect(Object.keys(POD_SPEC_PATHS).sort()).toEqual(kinds.map(([g, k]) => `${g || 'core'}/${k}`).sort());
  });

  const cases: { name: string; images: Image[]; container: string; want: string | undefined }[] = [
    { name: 'short Docker Hub name', images: [nginx], container: 'nginx:1.0', want: 'nginx:1.27.1' },
    {
      name: 'fully qualified Docker Hub name matches a short spec.image',
      images: [nginx],
      container: 'docker.io/library/nginx:1.0',
      want: 'docker.io/library/nginx:1.27.1',
    },
    {
      name: 'short container name matches a fully qualified spec.image',
      images: [image('n', 'docker.io/library/nginx', { tag: '1.27.1' })],
      container: 'nginx',
      want: 'nginx:1.27.1',
    },
    {
      name: 'index.docker.io alias',
      images: [nginx],
      container: 'index.docker.io/library/nginx:1.0',
      want: 'index.docker.io/library/nginx:1.27.1',
    },
    {
      name: 'registry host with a port',
      images: [web],
      container: 'registry.local:5000/acme/web:v1.0.0',
      want: 'registry.local:5000/acme/web:v1.4.2',
    },
    {
      name: 'same path on another registry is another repository',
      images: [web],
      container: 'registry.local:5001/acme/web:v1.0.0',
      want: undefined,
    },
    {
      name: 'no tag at all',
      images: [web],
      container: 'registry.local:5000/acme/web',
      want: 'registry.local:5000/acme/web:v1.4.2',
    },
    {
      name: 'an old digest is dropped when the Image does not track digests',
      images: [web],
      container: `registry.local:5000/acme/web:v1.0.0@${OLD_DIGEST}`,
      want: 'registry.local:5000/acme/web:v1.4.2',
    },
    {
      name: 'digest rule pins tag and digest',
      images: [image('latest', 'ghcr.io/acme/api', { tag: 'latest', digest: DIGEST }, 'digest')],
      container: 'ghcr.io/acme/api:latest',
      want: `ghcr.io/acme/api:latest@${DIGEST}`,
    },
    {
      name: 'digest rule replaces an old digest',
      images: [image('latest', 'ghcr.io/acme/api', { tag: 'latest', digest: DIGEST }, 'digest')],
      container: `ghcr.io/acme/api:latest@${OLD_DIGEST}`,
      want: `ghcr.io/acme/api:latest@${DIGEST}`,
    },
    {
      name: 'a digest in status is not used without a digest rule',
      images: [image('w', 'ghcr.io/acme/api', { tag: 'v2.0.0', digest: DIGEST })],
      container: 'ghcr.io/acme/api:v1.0.0',
      want: 'ghcr.io/acme/api:v2.0.0',
    },
    {
      name: 'digest rule without a known digest pins the tag',
      images: [image('latest', 'ghcr.io/acme/api', { tag: 'latest' }, 'digest')],
      container: 'ghcr.io/acme/api:old',
      want: 'ghcr.io/acme/api:latest',
    },
    { name: 'already pinned: no operation', images: [nginx], container: 'nginx:1.27.1', want: undefined },
    { name: 'no matching Image', images: [web], container: 'redis:7', want: undefined },
    {
      name: 'a longer path is another repository',
      images: [web],
      container: 'registry.local:5000/acme/web/sidecar:v1',
      want: undefined,
    },
    {
      name: 'Image without status.tag',
      images: [image('n', 'nginx', undefined)],
      container: 'nginx:1.0',
      want: undefined,
    },
    {
      name: 'Image with an empty status',
      images: [image('n', 'nginx', {})],
      container: 'nginx:1.0',
      want: undefined,
    },
    {
      name: 'status.tag that is not a tag is never written',
      images: [image('n', 'nginx', { tag: 'bad tag' })],
      container: 'nginx:1.0',
      want: undefined,
    },
    { name: 'unparsable container reference', images: [nginx], container: 'NGINX:1.0', want: undefined },
    {
      name: 'two Images that agree',
      images: [nginx, image('nginx-2', 'docker.io/library/nginx', { tag: '1.27.1' })],
      container: 'nginx:1.0',
      want: 'nginx:1.27.1',
    },
  ];

  it.each(cases)('$name', ({ images, container, want }) => {
    const { patch } = planPins('', 'Pod', wrap('', 'Pod', podSpec([container])), images);
    expect(patch).toEqual(
      want === undefined ? [] : [{ op: 'replace', path: '/spec/containers/0/image', value: want }],
    );
  });

  it('leaves a repository alone and warns when two Images disagree', () => {
    const images = [nginx, image('nginx-old', 'docker.io/library/nginx', { tag: '1.25.0' })];
    const obj = wrap('', 'Pod', podSpec(['nginx:1.0', 'nginx:1.1', 'registry.local:5000/acme/web:v1']));
    const result = planPins('', 'Pod', obj, [...images, web]);
    expect(result.patch).toEqual([
      { op: 'replace', path: '/spec/containers/2/image', value: 'registry.local:5000/acme/web:v1.4.2' },
    ]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /nginx, nginx-old follow docker\.io\/library\/nginx .*1\.27\.1 vs 1\.25\.0/,
    );
  });

  it('does not pin Pods created from a template it already pins', () => {
    const pod = {
      metadata: {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', controller: true, uid: 'u' },
        ],
      },
      spec: podSpec(['nginx:1.0']),
    };
    expect(planPins('', 'Pod', pod, [nginx]).patch).toEqual([]);
  });

  it('pins Pods owned by other controllers', () => {
    const pod = {
      metadata: {
        ownerReferences: [
          { apiVersion: 'example.com/v1', kind: 'Thing', name: 't', controller: true, uid: 'u' },
        ],
      },
      spec: podSpec(['nginx:1.0']),
    };
    expect(planPins('', 'Pod', pod, [nginx]).patch).toHaveLength(1);
  });

  it('ignores kinds it does not handle and objects without a pod spec', () => {
    expect(planPins('', 'ConfigMap', { data: {} }, [nginx]).patch).toEqual([]);
    expect(planPins('apps', 'Deployment', { spec: {} }, [nginx]).patch).toEqual([]);
    expect(
      planPins('apps', 'Deployment', { spec: { template: { spec: { containers: [{ name: 'x' }] } } } }, [
        nginx,
      ]).patch,
    ).toEqual([]);
  });
});

describe('hand rollbacks and holds', () => {
  const deployment = (image: string, marks: Record<string, string> = {}, name = 'web') => ({
    metadata: { name },
    spec: { template: { metadata: { annotations: { team: 'a', ...marks } }, spec: podSpec([image]) } },
  });
  const pins = namespacePins([nginx]);

  it('admits an update that puts back an older template, rollout marks and all (kubectl rollout undo)', () => {
    const before = deployment('nginx:1.27.1', { 'rollout.tagpilot.dev/nginx': '1.27.1' });
    expect(pinPatch('apps', 'Deployment', deployment('nginx:1.26.0'), pins, before).patch).toEqual([]);
    const older = deployment('nginx:1.26.0', { 'rollout.tagpilot.dev/nginx': '1.26.0' });
    expect(pinPatch('apps', 'Deployment', older, pins, before).patch).toEqual([]);
  });

  it('still pins an update that leaves the marks alone (a stale manifest applied again)', () => {
    const marks = { 'rollout.tagpilot.dev/nginx': '1.27.1' };
    const result = pinPatch(
      'apps',
      'Deployment',
      deployment('nginx:1.0', marks),
      pins,
      deployment('nginx:1.27.1', marks),
    );
    expect(result.patch).toEqual([
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.27.1' },
    ]);
  });

  it('pins nothing in a workload an Image holds, and the rest as usual', () => {
    const holding = image('nginx', 'nginx', {
      tag: '1.27.1',
      holds: [
        {
          kind: 'Deployment',
          name: 'web',
          container: 'c0',
          reference: 'nginx:1.26.0',
          since: '2026-11-28T10:00:00Z',
        },
      ],
    });
    const held = namespacePins([holding]);
    expect([...(held.held.get('docker.io/library/nginx') ?? [])]).toEqual(['Deployment/web']);
    expect(pinPatch('apps', 'Deployment', deployment('nginx:1.26.0'), held).patch).toEqual([]);
    expect(pinPatch('apps', 'StatefulSet', deployment('nginx:1.26.0'), held).patch).toHaveLength(1);
    expect(pinPatch('apps', 'Deployment', deployment('nginx:1.26.0', {}, 'api'), held).patch).toHaveLength(1);
  });

  it.each([
    ['a ReplicaSet of a Deployment', 'apps', 'ReplicaSet', 'apps/v1', 'Deployment'],
    ['a Job of a CronJob', 'batch', 'Job', 'batch/v1', 'CronJob'],
  ])('leaves %s alone: its template came from the owner', (_, group, kind, apiVersion, owner) => {
    const obj = {
      metadata: { ownerReferences: [{ apiVersion, kind: owner, name: 'o', controller: true, uid: 'u' }] },
      spec: { template: { spec: podSpec(['nginx:1.0']) } },
    };
    expect(pinPatch(group, kind, obj, pins).patch).toEqual([]);
    expect(pinPatch(group, kind, { spec: obj.spec }, pins).patch).toHaveLength(1);
  });
});

describe('namespacePins', () => {
  it('keys pins by normalised repository', () => {
    expect([...namespacePins([nginx, web]).byRepository.keys()].sort()).toEqual([
      'docker.io/library/nginx',
      'registry.local:5000/acme/web',
    ]);
  });

  it('keeps a conflict even when a third Image agrees with one side', () => {
    const pins = namespacePins([
      image('a', 'nginx', { tag: '1' }),
      image('b', 'nginx', { tag: '2' }),
      image('c', 'nginx', { tag: '1' }),
    ]);
    expect(pins.byRepository.size).toBe(0);
    expect(pins.conflicts.has('docker.io/library/nginx')).toBe(true);
  });

  it('pins nothing for a suspended Image, nor lets it conflict with one that is not', () => {
    const suspended = image('a', 'nginx', { tag: '1' });
    suspended.spec.suspend = true;
    expect(namespacePins([suspended]).byRepository.size).toBe(0);
    const pins = namespacePins([suspended, image('b', 'nginx', { tag: '2' })]);
    expect(pins.conflicts.size).toBe(0);
    expect(pins.byRepository.get('docker.io/library/nginx')?.tag).toBe('2');
  });
});
