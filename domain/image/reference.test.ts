import { describe, expect, it } from 'vitest';
import { BadReferenceError } from './errors.js';
import { formatReference, isLocalRegistry, parseImageReference } from './reference.js';

const D = 'sha256:' + 'a'.repeat(64);

describe('parseImageReference', () => {
  it.each([
    // input, domain, registry, repository, tag, digest
    ['nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx', undefined, undefined],
    ['nginx:1.25', 'docker.io', 'registry-1.docker.io', 'library/nginx', '1.25', undefined],
    ['library/nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx', undefined, undefined],
    [
      'bitnami/redis:7.2.4-debian-12-r3',
      'docker.io',
      'registry-1.docker.io',
      'bitnami/redis',
      '7.2.4-debian-12-r3',
      undefined,
    ],
    ['docker.io/nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx', undefined, undefined],
    [
      'index.docker.io/library/nginx',
      'docker.io',
      'registry-1.docker.io',
      'library/nginx',
      undefined,
      undefined,
    ],
    ['registry-1.docker.io/acme/web', 'docker.io', 'registry-1.docker.io', 'acme/web', undefined, undefined],
    ['ghcr.io/acme/web', 'ghcr.io', 'ghcr.io', 'acme/web', undefined, undefined],
    ['ghcr.io/acme/team/web:v1.4.0', 'ghcr.io', 'ghcr.io', 'acme/team/web', 'v1.4.0', undefined],
    ['quay.io/coreos/etcd@' + D, 'quay.io', 'quay.io', 'coreos/etcd', undefined, D],
    ['quay.io/coreos/etcd:v3.5@' + D, 'quay.io', 'quay.io', 'coreos/etcd', 'v3.5', D],
    ['localhost:5000/app', 'localhost:5000', 'localhost:5000', 'app', undefined, undefined],
    ['localhost/app:dev', 'localhost', 'localhost', 'app', 'dev', undefined],
    ['127.0.0.1:5000/team/app:1', '127.0.0.1:5000', '127.0.0.1:5000', 'team/app', '1', undefined],
    ['Registry.Example.COM/app', 'registry.example.com', 'registry.example.com', 'app', undefined, undefined],
    ['myregistry:8443/a/b', 'myregistry:8443', 'myregistry:8443', 'a/b', undefined, undefined],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'web',
      undefined,
      undefined,
    ],
    ['a/b__c/d-e.f_g', 'docker.io', 'registry-1.docker.io', 'a/b__c/d-e.f_g', undefined, undefined],
    ['x/a---b', 'docker.io', 'registry-1.docker.io', 'x/a---b', undefined, undefined],
    ['nginx:_x', 'docker.io', 'registry-1.docker.io', 'library/nginx', '_x', undefined],
  ])('%s', (input, domain, registry, repository, tag, digest) => {
    const ref = parseImageReference(input);
    expect(ref).toEqual({
      domain,
      registry,
      repository,
      ...(tag === undefined ? {} : { tag }),
      ...(digest === undefined ? {} : { digest }),
    });
  });

  it.each([
    ['', /empty/],
    [' nginx', /whitespace/],
    ['https://ghcr.io/acme/web', /URL scheme/],
    ['[::1]:5000/app', /IPv6 literal registry hosts are not supported/],
    ['[fe80::1]/app:1', /IPv6/],
    ['Nginx', /lowercase/],
    ['ghcr.io/Acme/web', /lowercase/],
    ['nginx:-bad', /tag "-bad" is not valid/],
    ['nginx:.bad', /tag ".bad" is not valid/],
    ['nginx:' + 'a'.repeat(129), /tag .* is not valid/],
    ['nginx@sha256:' + 'a'.repeat(40), /sha256 digest has exactly 64/],
    ['nginx@sha256:abc', /not algorithm:hex/],
    ['nginx@sha256:' + 'A'.repeat(64), /lowercase hex/],
    ['nginx@md5', /not algorithm:hex/],
    ['ghcr.io/', /repository path is empty/],
    ['ghcr.io/acme//web', /repository "acme\/\/web" is not valid/],
    ['ghcr.io/acme/web-', /is not valid/],
    ['ghcr.io/acme/_web', /is not valid/],
    ['ghcr.io/a..b', /is not valid/],
    ['host:99999/app', /port 99999 is out of range/],
    ['-bad.io/app', /registry host "-bad.io" is not a valid/],
    ['a'.repeat(64), /image ID/],
    ['ghcr.io/' + 'a'.repeat(250), /longer than 255/],
  ])('rejects %j', (input, message) => {
    let error: unknown;
    try {
      parseImageReference(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BadReferenceError);
    expect((error as BadReferenceError).kind).toBe('bad-reference');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(`invalid image reference "${input}"`);
  });

  it('treats a port-like suffix without a slash as a tag, like Docker', () => {
    expect(parseImageReference('localhost:5000')).toMatchObject({
      repository: 'library/localhost',
      tag: '5000',
    });
  });

  it('formats the fully qualified name back', () => {
    expect(formatReference(parseImageReference('nginx:1.25'))).toBe('docker.io/library/nginx:1.25');
    expect(formatReference(parseImageReference(`ghcr.io/a/b@${D}`))).toBe(`ghcr.io/a/b@${D}`);
  });
});

describe('isLocalRegistry', () => {
  it.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['registry.localhost:80', true],
    ['127.0.0.1:5000', true],
    ['127.1.2.3', true],
    ['ghcr.io', false],
    ['10.0.0.1:5000', false],
    ['localhost.example.com', false],
  ])('%s → %s', (registry, local) => {
    expect(isLocalRegistry(registry)).toBe(local);
  });
});
