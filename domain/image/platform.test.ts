import { describe, expect, it } from 'vitest';
import { BadReferenceError } from './errors.js';
import { formatPlatform, parsePlatform, platformMatches } from './platform.js';

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['windows/amd64', { os: 'windows', architecture: 'amd64' }],
  ])('%s', (text, platform) => {
    expect(parsePlatform(text)).toEqual(platform);
    expect(formatPlatform(parsePlatform(text))).toBe(text);
  });
  it.each(['linux', 'linux/', 'a/b/c/d', 'linux/am d64'])('rejects %j', (text) => {
    expect(() => parsePlatform(text)).toThrow(BadReferenceError);
  });
});

describe('platformMatches', () => {
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }, true],
    ['linux/amd64', { os: 'linux', architecture: 'x86_64' }, true],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, true],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64' }, true],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64' }, true],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v7' }, false],
    ['linux/arm64', { os: 'linux', architecture: 'amd64' }, false],
    ['windows/amd64', { os: 'linux', architecture: 'amd64' }, false],
    ['linux/amd64', { os: 'unknown', architecture: 'unknown' }, false],
  ])('%s vs %o → %s', (wanted, offered, matches) => {
    expect(platformMatches(parsePlatform(wanted), offered)).toBe(matches);
  });
});
