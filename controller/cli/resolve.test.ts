import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from './resolve.js';

const dir = mkdtempSync(join(tmpdir(), 'tagpilot-resolve-'));
const tagsFile = join(dir, 'tags.txt');
writeFileSync(
  tagsFile,
  [
    '# comment',
    'v1.9.0',
    'v1.10.0',
    '',
    'v2.0.0-rc.1',
    'latest',
    '1.25.3-alpine',
    '1.25.4',
    '1.25.4-alpine  ',
  ].join('\n'),
);

let out: string;
let err: string;
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => vi.restoreAllMocks());

const base = ['--tags-file', tagsFile];

describe('tagpilot resolve', () => {
  it('newest-build with --tags-file takes build times from --created', async () => {
    const file = join(dir, 'builds.txt');
    writeFileSync(file, 'main-aaa\nmain-bbb\nmain-ccc\n');
    const args = ['--rule', 'newest-build', '--current', 'main-aaa', '--tags-file', file];
    const times = [
      '--created',
      'main-aaa=2026-11-01T10:00:00Z',
      '--created',
      'main-bbb=2026-11-01T12:00:00Z',
      '--created',
      'main-ccc=2026-11-01T11:00:00Z',
    ];
    expect(await run([...args, ...times])).toBe(0);
    expect(out).toBe('main-bbb\n');
    out = '';
    expect(await run([...args, '--created', 'main-aaa'])).toBe(2);
    expect(err).toMatch(/--created main-aaa: write TAG=TIME/);
  });

  it.each([
    [['--rule', 'semver-major', '--current', 'v1.9.0'], 'v1.10.0\n'],
    [['--rule', 'semver-patch', '--current', '1.25.3-alpine'], '1.25.4-alpine\n'],
    [['--rule', 'semver-major', '--current', 'v1.9.0', '--allow-prerelease'], 'v2.0.0-rc.1\n'],
    [['--rule', 'semver-major', '--current', 'v1.9.0', '--exclude', '10', '--exclude', 'rc'], ''],
    [['--rule', 'semver-range', '--value', '^1.25', '--current', '1.25.3-alpine'], '1.25.4-alpine\n'],
    [['--rule', 'regex', '--value', 'v1\\.(?<version>\\d+)\\.0', '--current', 'v1.2.0'], 'v1.10.0\n'],
    [['--rule', 'always', '--current', 'latest', '--include', '^v1'], 'v1.10.0\n'],
  ])('%j prints the chosen tag alone', async (args, want) => {
    expect(await run([...args, ...base])).toBe(0);
    expect(out).toBe(want);
    expect(err).toBe('');
  });

  it('prints nothing and exits 0 when no newer tag qualifies', async () => {
    expect(await run(['--rule', 'semver-major', '--current', 'v1.10.0', ...base])).toBe(0);
    expect(out).toBe('');
    expect(err).toBe('');
  });

  it('--explain writes the reasoning to stderr and keeps stdout to the tag', async () => {
    expect(await run(['--rule', 'semver-patch', '--current', '1.25.3-alpine', '--explain', ...base])).toBe(0);
    expect(out).toBe('1.25.4-alpine\n');
    expect(err).toContain(
      'keep same shape as 1.25.3-alpine (N.N.N-alpine): removed 4 (e.g. 1.25.4, v1.10.0, v1.9.0, …)',
    );
    expect(err).toContain('decision: change to 1.25.4-alpine');
  });

  it('reads tags from stdin with --tags-file -', async () => {
    const { Readable } = await import('node:stream');
    const stdin = Readable.from(['2.0.0\n1.0.0\n', '3.0.0\n']);
    vi.spyOn(process, 'stdin', 'get').mockReturnValue(stdin as unknown as typeof process.stdin);
    expect(await run(['--rule', 'semver-major', '--current', '1.0.0', '--tags-file', '-'])).toBe(0);
    expect(out).toBe('3.0.0\n');
  });

  it('digest rule: prints the tag when its digest moved', async () => {
    const args = ['--rule', 'digest', '--current', 'latest', '--current-digest', 'sha256:a', ...base];
    expect(await run([...args, '--digest', 'sha256:b'])).toBe(0);
    expect(out).toBe('latest\n');
    out = '';
    expect(await run([...args, '--digest', 'sha256:a'])).toBe(0);
    expect(out).toBe('');
  });

  it.each([
    [
      ['--rule', 'semver', '--current', 'v1', ...base],
      'tagpilot resolve: --rule: unknown rule type "semver"',
    ],
    [
      ['--rule', 'regex', '--value', '(', '--current', 'v1', ...base],
      'tagpilot resolve: --value: invalid regular expression "(": missing closing ): `(`',
    ],
    [
      ['--rule', 'regex', '--current', 'v1', ...base],
      'tagpilot resolve: --value: regex needs a regular expression',
    ],
    [
      ['--rule', 'semver-range', '--current', 'v1', ...base],
      'tagpilot resolve: --value: semver-range needs a semver range',
    ],
    [
      ['--rule', 'semver-minor', '--current', 'latest', ...base],
      'tagpilot resolve: --current: "latest" is not a version tag',
    ],
    [
      ['--rule', 'semver-minor', '--current', 'v1', '--include', '[', ...base],
      'tagpilot resolve: --include: invalid regular expression',
    ],
    [
      ['--rule', 'semver-minor', '--current', 'v1', '--exclude', 'ok', '--exclude', '(', ...base],
      'tagpilot resolve: --exclude: invalid regular expression "("',
    ],
    [
      ['--rule', 'digest', '--current', 'latest', ...base],
      'tagpilot resolve: --digest is required by the digest rule',
    ],
    [['--current', 'v1', ...base], 'tagpilot resolve: --rule is required'],
    [['--rule', 'always', ...base], 'tagpilot resolve: --current is required'],
    [
      ['--rule', 'always', '--current', 'v1'],
      'tagpilot resolve: give exactly one of --tags-file FILE or --image REF',
    ],
    [
      ['--rule', 'always', '--current', 'v1', ...base, '--image', 'nginx'],
      'tagpilot resolve: give exactly one of',
    ],
    [
      ['--rule', 'always', '--current', 'v1', '--tags-file', join(dir, 'missing.txt')],
      'cannot read the file (ENOENT)',
    ],
    [['--rule', 'always', '--current', 'v1', '--frobnicate', ...base], "Unknown option '--frobnicate'"],
    [['--rule', 'always', '--current', 'v1', 'extra', ...base], 'tagpilot resolve: Unexpected argument'],
  ])('bad input %j exits 2 with one stderr line', async (args, message) => {
    expect(await run(args)).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err.endsWith('\n')).toBe(true);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('checks the rule before asking the registry', async () => {
    // An unreachable registry would fail with exit 1; bad input must win without any network traffic.
    const args = ['--rule', 'regex', '--value', '(', '--current', 'v1', '--image', '127.0.0.1:1/none'];
    expect(await run(args)).toBe(2);
    expect(err).toContain('--value: invalid regular expression');
  });

  it('--help lists every rule type', async () => {
    expect(await run(['--help'])).toBe(0);
    expect(out).toContain('calver-patch');
    expect(out).toContain('--tags-file FILE');
    expect(out).toContain('--username');
  });
});

describe('bin/tagpilot resolve (the real launcher)', () => {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'tagpilot');
  const exec = promisify(execFile);

  it('exits 0 with the tag on stdout', async () => {
    const { stdout, stderr } = await exec(bin, [
      'resolve',
      '--rule',
      'semver-minor',
      '--current',
      'v1.9.0',
      ...base,
    ]);
    expect(stdout).toBe('v1.10.0\n');
    expect(stderr.replace(/^npm warn.*\n/gm, '')).toBe('');
  });

  it('exits 2 on bad input', async () => {
    const failure = await exec(bin, ['resolve', '--rule', 'nope', '--current', 'v1', ...base]).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 2, stdout: '' });
    expect((failure as { stderr: string }).stderr).toMatch(
      /^tagpilot resolve: --rule: unknown rule type "nope"/m,
    );
  });
});
