// `bin/tagpilot resolve --image` as a user runs it, against the real registry: the tag list and (for the
// digest rule) the digest come from the registry through the same client and flags as `tagpilot tags`.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { pushImage, pushTags } from '../../testenv/images.js';

const env = inject('testenv');
const bin = resolve(import.meta.dirname, '../../../bin/tagpilot');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Asynchronous on purpose: the token realm of the test registry is served from the test process.
function tagpilot(args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(bin, args, { encoding: 'utf8', timeout: 60_000 }, (_err, stdout, stderr) =>
      done({ code: child.exitCode, stdout, stderr: stderr.replace(/^npm warn.*\n/gm, '') }),
    );
  });
}

describe('tagpilot resolve --image', () => {
  const basic = env.registries.basic;
  const token = env.registries.token;
  const repo = `it-resolve/${randomBytes(4).toString('hex')}/web`;
  const auth = (r: typeof basic) => ['--username', r.username!, '--password', r.password!];
  const tags = [
    '1.25.3-alpine',
    '1.25.4',
    '1.25.4-alpine',
    '1.25.4-alpine3.19',
    '1.26.0-alpine',
    '1.26.1-rc.1-alpine',
    'latest',
    'sha-3f2c1ab',
  ];
  let first: string;

  beforeAll(async () => {
    await pushTags(basic, repo, tags);
    first = (await pushImage(token, repo, 'latest', { seed: 'first' })).digest;
  });

  it('picks from the registry list and prints the tag alone', async () => {
    const patch = await tagpilot([
      'resolve',
      '--image',
      `${basic.host}/${repo}`,
      ...auth(basic),
      '--rule',
      'semver-patch',
      '--current',
      '1.25.3-alpine',
    ]);
    expect(patch).toEqual({ code: 0, stdout: '1.25.4-alpine\n', stderr: '' });
    const minor = await tagpilot([
      'resolve',
      '--image',
      `${basic.host}/${repo}:1.25.3-alpine`, // a tag in the reference is ignored
      ...auth(basic),
      '--rule',
      'semver-minor',
      '--current',
      '1.25.3-alpine',
      '--explain',
    ]);
    expect(minor.code).toBe(0);
    expect(minor.stdout).toBe('1.26.0-alpine\n');
    expect(minor.stderr).toContain('keep releases only (pre-releases need allowPrerelease): removed 1');
  });

  it('prints nothing when nothing newer qualifies', async () => {
    const run = await tagpilot([
      'resolve',
      '--image',
      `${basic.host}/${repo}`,
      ...auth(basic),
      '--rule',
      'semver-major',
      '--current',
      '1.26.0-alpine',
    ]);
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('digest rule asks the registry for the digest of the current tag', async () => {
    const args = [
      'resolve',
      '--image',
      `${token.host}/${repo}`,
      ...auth(token),
      '--rule',
      'digest',
      '--current',
      'latest',
    ];
    const same = await tagpilot([...args, '--current-digest', first]);
    expect(same).toEqual({ code: 0, stdout: '', stderr: '' });

    const observed = await tagpilot([...args, '--explain']);
    expect(observed.code).toBe(0);
    expect(observed.stdout).toBe('');
    expect(observed.stderr).toContain(`first observation of latest: recording ${first}`);

    const moved = (await pushImage(token, repo, 'latest', { seed: 'second' })).digest;
    expect(moved).not.toBe(first);
    const changed = await tagpilot([...args, '--current-digest', first, '--explain']);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toBe('latest\n');
    expect(changed.stderr).toContain(`latest moved from ${first} to ${moved}`);
  });

  it('a registry that refuses the credentials is exit 1 with one line', async () => {
    const run = await tagpilot([
      'resolve',
      '--image',
      `${basic.host}/${repo}`,
      '--username',
      basic.username!,
      '--password',
      'wrong',
      '--rule',
      'semver-patch',
      '--current',
      '1.25.3-alpine',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^tagpilot resolve: /);
    expect(run.stderr).not.toContain('wrong');
  });

  it('bad input is exit 2 before any registry traffic', async () => {
    const run = await tagpilot([
      'resolve',
      '--image',
      '127.0.0.1:1/nowhere',
      '--rule',
      'regex',
      '--value',
      '(',
      '--current',
      'v1',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'tagpilot resolve: --value: invalid regular expression "(": missing closing ): `(`; ' +
        'RE2 syntax: no backreferences or lookaround; see docs/rules.md\n',
    );
  });

  it('a malformed image reference is exit 2', async () => {
    const run = await tagpilot([
      'resolve',
      '--image',
      'Bad Ref',
      '--rule',
      'semver-patch',
      '--current',
      '1.0.0',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tagpilot resolve: .*whitespace/);
  });
});
