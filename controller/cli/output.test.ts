import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseImageReference } from '../registry/index.js';
import { digestJson, outputFormat, tagsJson } from './output.js';
import { run as resolve } from './resolve.js';
import { run as tags } from './tags.js';
import { run as digest } from './digest.js';

let out: string;
let err: string;
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'tagpilot-output-'));
const tagsFile = join(dir, 'tags.txt');
writeFileSync(tagsFile, ['1.25.3-alpine', '1.25.4-alpine', '1.26.0-alpine', 'latest'].join('\n'));

describe('tagpilot resolve -o json', () => {
  it('prints the decision: chosen tag, reason and the reasoning as data', async () => {
    const args = ['--rule', 'semver-patch', '--current', '1.25.3-alpine', '--tags-file', tagsFile];
    expect(await resolve([...args, '-o', 'json'])).toBe(0);
    expect(err).toBe('');
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(json).toEqual({
      rule: 'semver-patch',
      current: '1.25.3-alpine',
      changed: true,
      tag: '1.25.4-alpine',
      reason: expect.stringContaining('1.25.4-alpine') as unknown,
      explanation: {
        rule: 'semver-patch',
        current: '1.25.3-alpine',
        total: 4,
        steps: expect.any(Array) as unknown,
        candidates: 1,
        top: ['1.25.4-alpine'],
        order: expect.any(String) as unknown,
      },
    });
    // The same decision as the text output, which is the tag alone.
    out = '';
    expect(await resolve([...args, '--output=text'])).toBe(0);
    expect(out).toBe('1.25.4-alpine\n');
  });

  it('prints changed false and tag null when nothing qualifies (text prints nothing)', async () => {
    expect(
      await resolve([
        '--rule',
        'semver-patch',
        '--current',
        '1.26.0-alpine',
        '--tags-file',
        tagsFile,
        '-o',
        'json',
      ]),
    ).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ changed: false, tag: null, current: '1.26.0-alpine' });
  });

  it('carries the digest rule first observation', async () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(
      await resolve([
        '--rule',
        'digest',
        '--current',
        'latest',
        '--digest',
        d,
        '--tags-file',
        tagsFile,
        '-o',
        'json',
      ]),
    ).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ changed: false, tag: null, digest: d, firstObservation: true });
  });

  it.each([
    ['resolve', () => resolve(['-o', 'yaml', '--rule', 'always', '--current', 'x', '--tags-file', tagsFile])],
    ['tags', () => tags(['-o', 'yaml', '127.0.0.1:1/x'])],
    ['digest', () => digest(['-o', 'yaml', '127.0.0.1:1/x'])],
  ])('%s rejects an unknown format with exit 2 before asking a registry', async (command, call) => {
    expect(await call()).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`tagpilot ${command}: --output yaml: unknown format; use text or json\n`);
  });
});

describe('JSON shapes of tags and digest', () => {
  it('tags: the repository as users name it, and the tags in registry order', () => {
    expect(tagsJson(parseImageReference('nginx:1.27'), ['b', 'a'])).toEqual({
      repository: 'docker.io/library/nginx',
      tags: ['b', 'a'],
    });
    expect(tagsJson(parseImageReference('127.0.0.1:5000/acme/web'), [])).toEqual({
      repository: '127.0.0.1:5000/acme/web',
      tags: [],
    });
  });

  it('digest: the reference asked (latest by default), the digest, the platform when given', () => {
    const d = `sha256:${'b'.repeat(64)}`;
    expect(digestJson(parseImageReference('nginx'), d)).toEqual({
      reference: 'docker.io/library/nginx:latest',
      digest: d,
    });
    expect(
      digestJson(parseImageReference('ghcr.io/acme/web:1.2'), d, {
        os: 'linux',
        architecture: 'arm',
        variant: 'v7',
      }),
    ).toEqual({ reference: 'ghcr.io/acme/web:1.2', digest: d, platform: 'linux/arm/v7' });
    const pinned = `sha256:${'c'.repeat(64)}`;
    expect(digestJson(parseImageReference(`ghcr.io/acme/web@${pinned}`), d).reference).toBe(
      `ghcr.io/acme/web@${pinned}`,
    );
  });

  it('outputFormat accepts text and json only', () => {
    expect(outputFormat('text')).toBe('text');
    expect(outputFormat('json')).toBe('json');
    expect(() => outputFormat('JSON')).toThrow(/use text or json/);
  });
});
