import { describe, expect, it } from 'vitest';
import { evaluationsPerRegistry, registryHostOf } from './isolation.js';

describe('registryHostOf', () => {
  it.each([
    ['nginx', 'registry-1.docker.io'],
    ['ghcr.io/acme/web', 'ghcr.io'],
    ['localhost:5000/team/app', 'localhost:5000'],
    ['Not A Reference', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s, and the same when asked again', (image, host) => {
    expect(registryHostOf(image)).toBe(host);
    expect(registryHostOf(image)).toBe(host);
  });

  it('still answers after more references than it remembers', () => {
    for (let i = 0; i < 5_000; i++) expect(registryHostOf(`r${i}.example.com/app`)).toBe(`r${i}.example.com`);
    expect(registryHostOf('ghcr.io/acme/web')).toBe('ghcr.io');
  });
});

describe('evaluationsPerRegistry', () => {
  it.each([
    [10, 8, 8],
    [10, 20, 9],
    [1, 8, 1],
  ])('concurrency %i, %i requests per registry → %i slots', (concurrency, perRegistry, want) => {
    expect(evaluationsPerRegistry(concurrency, perRegistry)).toBe(want);
  });
});
