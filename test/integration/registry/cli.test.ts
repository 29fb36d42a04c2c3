// `bin/tagpilot tags` and `bin/tagpilot digest` as a user runs them, against the real registry: stdout,
// exit codes, and one clear stderr line on failure.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { pushImage, pushTags, type PushResult } from '../../testenv/images.js';

const env = inject('testenv');
const bin = resolve(import.meta.dirname, '../../../bin/tagpilot');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Asynchronous on purpose: the token realm of the test registry is served from the test process.
function tagpilot(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      bin,
      args,
      { encoding: 'utf8', env: { ...process.env, ...extraEnv }, timeout: 60_000 },
      (_err, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe('tagpilot tags / digest', () => {
  const basic = env.registries.basic;
  const token = env.registries.token;
  const repo = `it-cli/${randomBytes(4).toString('hex')}/app`;
  const tags = Array.from({ length: 120 }, (_, i) => `2.${i}.0`);
  let multi: PushResult;
  let dockerConfig: string;

  beforeAll(async () => {
    await pushTags(basic, repo, tags);
    multi = await pushImage(token, repo, 'v1', { platforms: ['linux/amd64', 'linux/arm64'] });
    const dir = mkdtempSync(join(tmpdir(), 'tagpilot-cli-'));
    dockerConfig = join(dir, 'config.json');
    const auth = Buffer.from(`${token.username}:${token.password}`).toString('base64');
    writeFileSync(dockerConfig, JSON.stringify({ auths: { [token.host]: { auth } } }));
  });

  it('tags prints every tag, one per line, and exits 0', async () => {
    const run = await tagpilot([
      'tags',
      `${basic.host}/${repo}`,
      '--username',
      basic.username!,
      '--password',
      basic.password!,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(run.stdout.trimEnd().split('\n').sort()).toEqual([...tags].sort());
  });

  it('tags takes the password from $TAGPILOT_REGISTRY_PASSWORD', async () => {
    const run = await tagpilot(['tags', `${basic.host}/${repo}`, '--username', basic.username!], {
      TAGPILOT_REGISTRY_PASSWORD: basic.password!,
    });
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(tags.length);
  });

  it('digest prints the index digest, or one platform digest, with --docker-config credentials (token auth)', async () => {
    const index = await tagpilot(['digest', `${token.host}/${repo}:v1`, '--docker-config', dockerConfig]);
    expect(index).toEqual({ code: 0, stdout: `${multi.digest}\n`, stderr: '' });
    const arm = await tagpilot([
      'digest',
      `${token.host}/${repo}:v1`,
      '--platform',
      'linux/arm64',
      '--docker-config',
      dockerConfig,
    ]);
    expect(arm).toEqual({ code: 0, stdout: `${multi.platformDigests['linux/arm64']}\n`, stderr: '' });
  });

  it('fails with exit 1 and one stderr line when the tag does not exist', async () => {
    const run = await tagpilot(['digest', `${token.host}/${repo}:nope`, '--docker-config', dockerConfig]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `tagpilot digest: ${token.host}/${repo}:nope not found on registry ${token.host}: the tag or repository does not exist\n`,
    );
  });

  it('fails with exit 1 and one stderr line on wrong credentials, without the password', async () => {
    const run = await tagpilot([
      'tags',
      `${basic.host}/${repo}`,
      '--username',
      basic.username!,
      '--password',
      'not-the-password',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(
      /^tagpilot tags: registry .* rejected user "tagpilot" .*check the image pull secret\n$/,
    );
    expect(run.stderr).not.toContain('not-the-password');
  });

  it('fails with exit 2 on a bad reference or bad flags', async () => {
    expect(await tagpilot(['tags', '[::1]:5000/app'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'tagpilot tags: invalid image reference "[::1]:5000/app": IPv6 literal registry hosts are not supported; use a host name or an IPv4 address\n',
    });
    const noPassword = await tagpilot(['tags', `${basic.host}/${repo}`, '--username', 'x'], {
      TAGPILOT_REGISTRY_PASSWORD: '',
    });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toBe(
      'tagpilot tags: --username needs --password or $TAGPILOT_REGISTRY_PASSWORD\n',
    );
  });
});
