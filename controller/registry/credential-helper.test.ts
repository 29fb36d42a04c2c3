// Real helper programs (small shell scripts on a temporary PATH), run as Docker runs them.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PullSecretError } from './credentials.js';
import {
  credentialsFromDockerConfigFile,
  helperFor,
  helperServer,
  runCredentialHelper,
} from './credential-helper.js';
import { parseImageReference } from '../../domain/image/reference.js';

const bin = mkdtempSync(join(tmpdir(), 'tagpilot-helpers-'));
const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
const ecr = parseImageReference('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app');

function helper(name: string, script: string): void {
  const file = join(bin, `docker-credential-${name}`);
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
}

// Records what it was asked (argument and stdin) and answers per server.
helper(
  'fake',
  `read server
echo "$1 $server" > ${bin}/asked
case "$server" in
  *.amazonaws.com) echo '{"ServerURL":"x","Username":"AWS","Secret":"s3cret"}' ;;
  https://index.docker.io/v1/) echo '{"Username":"<token>","Secret":"refresh"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac`,
);
helper('broken', 'echo "error getting credentials - err: exit status 1, out: no keyring"; exit 1');
helper('slow', 'sleep 5');
helper('chatty', 'head -c 200000 /dev/zero | tr "\\0" a');

describe('docker credential helpers', () => {
  it('runs `docker-credential-<name> get` with the registry host on stdin', async () => {
    expect(await runCredentialHelper('fake', helperServer(ecr), { env })).toEqual({
      username: 'AWS',
      password: 's3cret',
    });
    expect(readFileSync(join(bin, 'asked'), 'utf8').trim()).toBe(
      'get 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    );
  });

  it("passes Docker Hub's legacy server name and maps the <token> user to an identity token", async () => {
    const hub = parseImageReference('nginx');
    expect(helperServer(hub)).toBe('https://index.docker.io/v1/');
    expect(await runCredentialHelper('fake', helperServer(hub), { env })).toEqual({
      identityToken: 'refresh',
    });
  });

  it('treats "credentials not found" as none, and reports other failures with the helper\'s words', async () => {
    expect(await runCredentialHelper('fake', 'ghcr.io', { env })).toBeUndefined();
    await expect(runCredentialHelper('broken', 'ghcr.io', { env })).rejects.toThrow(
      'credential helper docker-credential-broken failed for ghcr.io: error getting credentials - err: exit status 1, out: no keyring',
    );
    await expect(runCredentialHelper('missing', 'ghcr.io', { env })).rejects.toThrow(
      'credential helper docker-credential-missing is not on PATH',
    );
    await expect(runCredentialHelper('../evil', 'ghcr.io', { env })).rejects.toBeInstanceOf(PullSecretError);
  });

  it('bounds the time and output of a helper', async () => {
    await expect(runCredentialHelper('slow', 'ghcr.io', { env, timeoutMs: 300 })).rejects.toThrow(
      'docker-credential-slow did not answer within 0.3 s',
    );
    await expect(runCredentialHelper('chatty', 'ghcr.io', { env, maxOutputBytes: 1024 })).rejects.toThrow(
      'docker-credential-chatty wrote more than 1024 bytes',
    );
  });

  it('picks credHelpers for the host, else credsStore', () => {
    const config = {
      credsStore: 'desktop',
      credHelpers: { '123456789012.dkr.ecr.eu-west-1.amazonaws.com': 'ecr-login' },
    };
    expect(helperFor(config, ecr)).toBe('ecr-login');
    expect(helperFor(config, parseImageReference('ghcr.io/a/b'))).toBe('desktop');
    expect(helperFor({ auths: {} }, ecr)).toBeUndefined();
  });

  it('falls back to auths when the helper has nothing for the registry', async () => {
    const auth = Buffer.from('bot:pw').toString('base64');
    const text = JSON.stringify({ credsStore: 'fake', auths: { 'ghcr.io': { auth } } });
    const ghcr = parseImageReference('ghcr.io/acme/web');
    expect(await credentialsFromDockerConfigFile(text, ghcr, 'config.json', { env })).toEqual({
      username: 'bot',
      password: 'pw',
    });
    expect(await credentialsFromDockerConfigFile(text, ecr, 'config.json', { env })).toEqual({
      username: 'AWS',
      password: 's3cret',
    });
    expect(
      await credentialsFromDockerConfigFile(JSON.stringify({ credsStore: 'fake' }), ghcr, 'config.json', {
        env,
      }),
    ).toBeUndefined();
  });
});
