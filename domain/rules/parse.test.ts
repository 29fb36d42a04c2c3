import { describe, expect, it } from 'vitest';
import { parseTag, shapeOf } from './parse.js';

describe('parseTag', () => {
  it.each([
    // tag, prefix, nums, pre, variant
    ['1.2.3', '', [1, 2, 3], '', ''],
    ['v1.10.0', 'v', [1, 10, 0], '', ''],
    ['V2', 'V', [2], '', ''],
    ['1.25', '', [1, 25], '', ''],
    ['1.25.3-alpine', '', [1, 25, 3], '', 'alpine'],
    ['18-alpine3.19', '', [18], '', 'alpine3.19'],
    ['20.11.0-bookworm-slim', '', [20, 11, 0], '', 'bookworm-slim'],
    ['1.25.3-alpine3.18-perl', '', [1, 25, 3], '', 'alpine3.18-perl'],
    ['1.3.0-rc.1', '', [1, 3, 0], 'rc.1', ''],
    ['1.0.0-alpha', '', [1, 0, 0], 'alpha', ''],
    ['2.0.0-beta.2-alpine', '', [2, 0, 0], 'beta.2', 'alpine'],
    ['2.0.0-alpine-rc1', '', [2, 0, 0], 'rc1', 'alpine'],
    ['17rc1', '', [17], 'rc1', ''],
    ['18beta1-alpine3.21', '', [18], 'beta1', 'alpine3.21'],
    ['3.13.0a1-bookworm', '', [3, 13, 0], 'a1', 'bookworm'],
    ['3.13.0rc2', '', [3, 13, 0], 'rc2', ''],
    ['22-ea-13-jdk-slim', '', [22], 'ea-13', 'jdk-slim'],
    ['1.0.0-alpha-1', '', [1, 0, 0], 'alpha-1', ''],
    // A bare `dev` is a variant (images with build tools), `dev1` a pre-release.
    ['1.2.3-dev', '', [1, 2, 3], '', 'dev'],
    ['1.2.3-dev1', '', [1, 2, 3], 'dev1', ''],
    ['1.28.5-k3s1', '', [1, 28, 5], '', 'k3s1'],
    ['24.04', '', [24, 4], '', ''],
    ['2024.01.15', '', [2024, 1, 15], '', ''],
    ['20240115', '', [20240115], '', ''],
  ])('%s', (tag, prefix, nums, pre, variant) => {
    const t = parseTag(tag);
    expect(t).toMatchObject({ tag, prefix, nums, pre, variant });
  });

  it.each([
    'latest',
    'lts-alpine',
    'mainline',
    'sha-3f2c1ab',
    '3f2c1ab', // commit id that starts with a digit
    '1a2b3c4d5e6f',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'sha256-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.sig',
    '1.2.3.4', // four numeric parts: not a Docker-style version
    '1.2.3-',
    '1.2.3+build', // `+` cannot appear in a Docker tag anyway
    'pr-123',
    'main-42',
    '1234567890123456', // 16 digits: an id, not a version
    '',
  ])('%s is not a version', (tag) => {
    expect(parseTag(tag)).toBeUndefined();
  });

  it('tokenises pre-releases so numbers compare as numbers', () => {
    expect(parseTag('1.0.0-rc.10')?.preChunks).toEqual(['rc', 10]);
    expect(parseTag('17RC1')?.preChunks).toEqual(['rc', 1]);
  });

  it('describes shapes for people', () => {
    expect(shapeOf(parseTag('v1.25.3-alpine')!)).toBe('vN.N.N-alpine');
    expect(shapeOf(parseTag('18')!)).toBe('N');
  });
});
