import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDistribution } from './distribution.js';
import { parseDockerHub } from './dockerhub.js';
import { parseGeneric } from './generic.js';
import { parseGitHub } from './github.js';
import { parseHarbor } from './harbor.js';
import { toHookEvents } from './normalise.js';
import { parseQuay } from './quay.js';
import { BadPayloadError, type HookSource, type ParseContext, type ParseResult } from './types.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as unknown;

const parsers: Record<HookSource, (body: unknown, ctx: ParseContext) => ParseResult> = {
  generic: parseGeneric,
  dockerhub: parseDockerHub,
  github: parseGitHub,
  harbor: parseHarbor,
  quay: parseQuay,
  distribution: parseDistribution,
};

/** What the handler does after authentication: parse, then normalise. */
function events(source: HookSource, body: unknown, ctx: Partial<ParseContext> = {}) {
  const result = parsers[source](body, { headers: {}, ...ctx });
  return result.kind === 'events' ? toHookEvents(source, result.events) : result;
}

const INDEX = 'sha256:7914eac2a6a3889f19ae7bafbd43b56fc4b771be3ec7265dd6b7a78817f98f28';
const AMD64 = 'sha256:5861314d7fccb39c2192173240eab44fa35ca66426201ca2acd0630a6258dd51';
const HARBOR = 'sha256:580256275c46cd372d0189a94cce48be68d6c54d5d71bd5aee035c3574697acb';
const API_INDEX = 'sha256:5387c48922f6298c01fa656bbf24b77d5a9af240dd97296af8734c3c5fcc717d';
const API_AMD64 = 'sha256:86084fc7e982af7b0ef24fecdbbf4ab94d679ea05b780911c4fd0d3bae976e69';

describe('receiver payloads (real shapes, from fixtures/)', () => {
  it.each([
    ['generic', 'generic.json', {}, { repository: 'ghcr.io/acme/web', tag: '1.4.2', tags: ['1.4.2'] }],
    [
      'dockerhub',
      'dockerhub-push.json',
      {},
      {
        repository: 'docker.io/acme/web',
        reference: { domain: 'docker.io', registry: 'registry-1.docker.io', repository: 'acme/web' },
        tag: '1.4.2',
      },
    ],
    [
      'github',
      'github-package-published.json',
      { headers: { 'x-github-event': 'package' } },
      { repository: 'ghcr.io/acme-corp/web', tag: '1.4.2', digest: INDEX },
    ],
    [
      'github',
      'github-registry-package-published.json',
      { headers: { 'x-github-event': 'registry_package' } },
      { repository: 'ghcr.io/acme-corp/web', tag: '1.4.2', digest: INDEX },
    ],
    [
      'github',
      'github-package-untagged.json',
      { headers: { 'x-github-event': 'package' } },
      { repository: 'ghcr.io/acme-corp/web', tags: [], digest: AMD64 },
    ],
    [
      'harbor',
      'harbor-push-artifact.json',
      {},
      { repository: 'harbor.example.com/team/app', tag: 'v2.3.1', digest: HARBOR },
    ],
    [
      'harbor',
      'harbor-push-artifact.json',
      { registry: 'harbor.internal:8443' },
      { repository: 'harbor.internal:8443/team/app', tag: 'v2.3.1' },
    ],
    [
      'quay',
      'quay-repo-push.json',
      {},
      { repository: 'quay.io/acme/web', tags: ['1.4.2', 'latest'], tag: 'latest' },
    ],
    [
      'distribution',
      'distribution-push.json',
      {},
      // Layer push skipped, platform manifests and the tagged index merged, the pull ignored.
      { repository: 'registry.example.com:5000/team/api', tag: '2.0.1', tags: ['2.0.1'], digest: API_INDEX },
    ],
    [
      'distribution',
      'distribution-push.json',
      { registry: 'registry.internal' },
      { repository: 'registry.internal/team/api', tag: '2.0.1' },
    ],
  ] as const)('%s %s %j', (source, file, ctx, expected) => {
    const result = events(source, fixture(file), ctx as Partial<ParseContext>);
    expect(result).toEqual([expect.objectContaining({ source, ...expected })]);
  });

  it.each([
    ['github', 'github-ping.json', { 'x-github-event': 'ping' }, { kind: 'ping' }],
    [
      'github',
      'github-package-npm.json',
      { 'x-github-event': 'package' },
      { kind: 'ignored', reason: /"npm" is not a container/ },
    ],
    [
      'github',
      'github-package-published.json',
      { 'x-github-event': 'push' },
      { kind: 'ignored', reason: /not a package event/ },
    ],
    ['harbor', 'harbor-pull-artifact.json', {}, { kind: 'ignored', reason: /PULL_ARTIFACT is not a push/ }],
    ['distribution', 'distribution-pull.json', {}, { kind: 'ignored', reason: /no manifest push events/ }],
  ] as const)('%s %s is not a push', (source, file, headers, expected) => {
    const result = events(source, fixture(file), { headers });
    expect(result).toMatchObject({ kind: expected.kind });
    if ('reason' in expected) expect((result as { reason: string }).reason).toMatch(expected.reason);
  });

  it('ignores GitHub package deletions', () => {
    const body = { ...(fixture('github-package-published.json') as object), action: 'deleted' };
    expect(events('github', body, { headers: { 'x-github-event': 'package' } })).toMatchObject({
      kind: 'ignored',
    });
  });

  it('falls back to ghcr.io/<owner>/<name> when GitHub sends no package_url', () => {
    const body = fixture('github-package-published.json') as {
      package: { package_version: Record<string, unknown> };
    };
    delete body.package.package_version.package_url;
    expect(events('github', body, { headers: { 'x-github-event': 'package' } })).toEqual([
      expect.objectContaining({ repository: 'ghcr.io/acme-corp/web', tag: '1.4.2' }),
    ]);
  });

  it('normalises Docker Hub names like spec.image', () => {
    expect(events('generic', { repository: 'nginx' })).toEqual([
      expect.objectContaining({
        repository: 'docker.io/library/nginx',
        reference: expect.objectContaining({ registry: 'registry-1.docker.io' }),
      }),
    ]);
    expect(events('generic', { repository: 'index.docker.io/library/nginx:1.27' })).toEqual([
      expect.objectContaining({ repository: 'docker.io/library/nginx', tag: '1.27' }),
    ]);
    expect(
      events('dockerhub', { repository: { repo_name: 'library/redis' }, push_data: { tag: '7' } }),
    ).toEqual([expect.objectContaining({ repository: 'docker.io/library/redis', tag: '7' })]);
  });

  it('merges events per repository: the tagged push gives the digest', () => {
    const merged = toHookEvents('distribution', [
      { repository: 'r.example.com/a', digest: API_AMD64 },
      { repository: 'r.example.com/a', tag: '1', digest: API_INDEX },
      { repository: 'r.example.com/b', tag: 'x' },
      { repository: 'r.example.com/a', tag: '1' },
      { repository: 'r.example.com/a', tag: 'latest' },
    ]);
    expect(merged).toEqual([
      expect.objectContaining({
        repository: 'r.example.com/a',
        tags: ['1', 'latest'],
        tag: 'latest',
        digest: API_INDEX,
      }),
      expect.objectContaining({ repository: 'r.example.com/b', tags: ['x'], tag: 'x' }),
    ]);
  });

  it('drops digests that are not digests instead of passing them on', () => {
    expect(events('generic', { repository: 'ghcr.io/a/b', digest: 'sha256:6c62fb45fe66' })).toEqual([
      expect.not.objectContaining({ digest: expect.anything() }),
    ]);
  });

  it.each([
    ['generic', [], /JSON object/],
    ['generic', {}, /no repository/],
    ['generic', { repository: 'https://ghcr.io/a/b' }, /remove the URL scheme/],
    ['generic', { repository: 'ghcr.io/Acme/web' }, /lowercase/],
    ['generic', { repository: 'ghcr.io/a/b', tag: 7 }, /tag must be a string/],
    ['generic', { repository: 'ghcr.io/a/b', tag: '-bad' }, /tag "-bad" is not valid/],
    ['dockerhub', { push_data: { tag: '1' } }, /no repository.repo_name/],
    ['github', { action: 'published' }, /X-GitHub-Event header is missing/],
    ['quay', { updated_tags: ['1'] }, /no docker_url/],
    ['harbor', { event_data: {} }, /no type/],
    [
      'harbor',
      { type: 'PUSH_ARTIFACT', event_data: { repository: { repo_full_name: 'a/b' } } },
      /\?registry=/,
    ],
    ['distribution', { events: 'x' }, /no events array/],
    [
      'distribution',
      { events: [{ action: 'push', target: { repository: 'a', tag: '1' } }] },
      /names no registry host.*\?registry=/,
    ],
    [
      'distribution',
      { events: [{ action: 'push', target: { tag: '1' } }] },
      /events\[0\] is a push without target.repository/,
    ],
  ] as const)('%s %j → 400 %s', (source, body, message) => {
    expect(() => events(source, body)).toThrow(BadPayloadError);
    expect(() => events(source, body)).toThrow(message);
  });
});
