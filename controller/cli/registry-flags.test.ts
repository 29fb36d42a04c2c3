import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseImageReference } from '../registry/index.js';
import { PASSWORD_ENV, accessFromFlags, registryFlagOptions } from './registry-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'tagpilot-flags-'));
const ghcr = parseImageReference('ghcr.io/acme/web');

function flags(args: string[]): Record<string, unknown> {
  return parseArgs({ args, options: registryFlagOptions, strict: true }).values;
}

async function failure(args: string[]): Promise<string> {
  try {
    await accessFromFlags(ghcr, flags(args));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected accessFromFlags to fail');
}

afterEach(() => {
  delete process.env[PASSWORD_ENV];
});

describe('accessFromFlags', () => {
  it('is anonymous HTTPS with the defaults', async () => {
    expect(await accessFromFlags(ghcr, flags([]))).toEqual({});
  });

  it('takes --username/--password, --plain-http and --insecure', async () => {
    expect(
      await accessFromFlags(
        ghcr,
        flags(['--username', 'bot', '--password', 'pw', '--plain-http', '--insecure']),
      ),
    ).toEqual({
      credentials: { username: 'bot', password: 'pw' },
      plainHTTP: true,
      insecureSkipTLSVerify: true,
    });
  });

  it('takes --cloud-auth from the same list as spec.cloudAuth', async () => {
    expect(await accessFromFlags(ghcr, flags(['--cloud-auth', 'none']))).toEqual({ cloudAuth: 'none' });
    expect(await accessFromFlags(ghcr, flags(['--cloud-auth=aws']))).toEqual({ cloudAuth: 'aws' });
    expect(await failure(['--cloud-auth', 'ibm'])).toBe(
      '--cloud-auth must be one of auto, none, aws, gcp, azure, not "ibm"',
    );
  });

  it('reads the password from the environment when --password is absent', async () => {
    process.env[PASSWORD_ENV] = 'from-env';
    expect((await accessFromFlags(ghcr, flags(['--username', 'bot']))).credentials).toEqual({
      username: 'bot',
      password: 'from-env',
    });
  });

  it('matches the registry in a docker config file', async () => {
    const file = join(dir, 'config.json');
    const auth = Buffer.from('octocat:ghp_x').toString('base64');
    writeFileSync(file, JSON.stringify({ auths: { 'https://ghcr.io': { auth }, 'quay.io': { auth: 'x' } } }));
    expect((await accessFromFlags(ghcr, flags(['--docker-config', file]))).credentials).toEqual({
      username: 'octocat',
      password: 'ghp_x',
    });
    const hub = await accessFromFlags(parseImageReference('nginx'), flags(['--docker-config', file]));
    expect(hub.credentials).toBeUndefined();
  });

  it('reads a CA bundle file', async () => {
    const file = join(dir, 'ca.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n');
    expect((await accessFromFlags(ghcr, flags(['--ca-file', file]))).caBundle).toContain('BEGIN CERTIFICATE');
  });

  it.each([
    [['--password', 'x'], '--password needs --username'],
    [['--username', 'x'], `--username needs --password or $${PASSWORD_ENV}`],
    [
      ['--username', 'x', '--password', 'y', '--docker-config', '/nope'],
      'use either --username/--password or --docker-config, not both',
    ],
    [['--docker-config', '/no/such/file'], '--docker-config /no/such/file: cannot read the file (ENOENT)'],
    [['--ca-file', '/no/such/ca.pem'], '--ca-file /no/such/ca.pem: cannot read the file (ENOENT)'],
  ])('rejects %j', async (args, message) => {
    expect(await failure(args)).toBe(message);
  });

  it('names a docker config that is not JSON', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{');
    expect(await failure(['--docker-config', file])).toBe(`--docker-config ${file} is not valid JSON`);
  });
});
