import { describe, expect, it } from 'vitest';
import { newReference, repositoryOf } from './repository.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OLD_DIGEST = `sha256:${'b'.repeat(64)}`;

describe('repositoryOf', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.25', 'docker.io/library/nginx'],
    ['docker.io/library/nginx@sha256:' + 'a'.repeat(64), 'docker.io/library/nginx'],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx'],
    ['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app'],
    ['ghcr.io/acme/web:v1.0.0', 'ghcr.io/acme/web'],
    ['Not A Ref', undefined],
    ['', undefined],
  ])('%s → %s', (image, expected) => {
    expect(repositoryOf(image)).toBe(expected);
  });
});

describe('newReference', () => {
  const d = 'sha256:' + 'b'.repeat(64);
  it.each([
    ['nginx:1.25', '1.26', undefined, 'nginx:1.26'],
    ['nginx', '1.26', undefined, 'nginx:1.26'],
    ['127.0.0.1:5000/app:v1', 'v2', undefined, '127.0.0.1:5000/app:v2'],
    ['127.0.0.1:5000/app', 'latest', d, `127.0.0.1:5000/app:latest@${d}`],
    [`127.0.0.1:5000/app:latest@sha256:${'c'.repeat(64)}`, 'latest', d, `127.0.0.1:5000/app:latest@${d}`],
    [`ghcr.io/acme/web@sha256:${'c'.repeat(64)}`, 'v2', undefined, 'ghcr.io/acme/web:v2'],
  ])('%s with %s@%s → %s', (image, tag, digest, expected) => {
    expect(newReference(image, tag, digest)).toBe(expected);
  });
});

describe('newReference: pins as the admission webhook writes them', () => {
  it.each<[string, { tag: string; digest?: string }, string]>([
    ['localhost:5000/web', { tag: 'v2' }, 'localhost:5000/web:v2'],
    ['localhost:5000/web:v1', { tag: 'v2' }, 'localhost:5000/web:v2'],
    [`web@${OLD_DIGEST}`, { tag: 'v2', digest: DIGEST }, `web:v2@${DIGEST}`],
    [`web:v1@${OLD_DIGEST}`, { tag: 'v2' }, 'web:v2'],
  ])('%s → %s', (ref, pin, want) => {
    expect(newReference(ref, pin.tag, pin.digest)).toBe(want);
  });
});
