import { describe, expect, it } from 'vitest';
import {
  globLabelMatch,
  credentialsFromDockerConfig,
  credentialsFromPullSecret,
  credentialsFromPullSecrets,
  matchConfigKey,
  parseConfigKey,
  PullSecretError,
  type PullSecret,
} from './credentials.js';
import { parseImageReference } from '../../domain/image/reference.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const auth = (user: string, pass: string) => b64(`${user}:${pass}`);

/** A Secret as the Kubernetes API returns it: values base64-encoded. */
function dockerConfigJsonSecret(name: string, auths: Record<string, object>): PullSecret {
  return {
    metadata: { name },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
  };
}

function dockerCfgSecret(name: string, auths: Record<string, object>): PullSecret {
  return {
    metadata: { name },
    type: 'kubernetes.io/dockercfg',
    data: { '.dockercfg': b64(JSON.stringify(auths)) },
  };
}

describe('parseConfigKey', () => {
  it.each([
    ['https://index.docker.io/v1/', { hostGlob: 'docker.io', port: '', path: '' }],
    ['index.docker.io', { hostGlob: 'docker.io', port: '', path: '' }],
    ['docker.io', { hostGlob: 'docker.io', port: '', path: '' }],
    ['registry-1.docker.io', { hostGlob: 'docker.io', port: '', path: '' }],
    ['ghcr.io', { hostGlob: 'ghcr.io', port: '', path: '' }],
    ['https://ghcr.io', { hostGlob: 'ghcr.io', port: '', path: '' }],
    ['http://localhost:5000/v2/', { hostGlob: 'localhost', port: '5000', path: '' }],
    ['ghcr.io/acme', { hostGlob: 'ghcr.io', port: '', path: 'acme' }],
    ['*.gcr.io', { hostGlob: '*.gcr.io', port: '', path: '' }],
    ['Quay.IO/team/', { hostGlob: 'quay.io', port: '', path: 'team' }],
  ])('%s', (key, parsed) => {
    expect(parseConfigKey(key)).toEqual(parsed);
  });
});

describe('matchConfigKey', () => {
  const nginx = parseImageReference('nginx');
  const ghcr = parseImageReference('ghcr.io/acme/web');
  const local = parseImageReference('localhost:5000/app');
  const eu = parseImageReference('eu.gcr.io/proj/app');
  it.each([
    ['https://index.docker.io/v1/', nginx, true],
    ['docker.io', nginx, true],
    ['index.docker.io', nginx, true],
    ['ghcr.io', nginx, false],
    ['ghcr.io', ghcr, true],
    ['https://ghcr.io/', ghcr, true],
    ['ghcr.io/acme', ghcr, true],
    ['ghcr.io/acme/web', ghcr, true],
    ['ghcr.io/acm', ghcr, false],
    ['ghcr.io/other', ghcr, false],
    ['localhost:5000', local, true],
    ['localhost', local, false],
    ['localhost:5001', local, false],
    ['*.gcr.io', eu, true],
    ['*.gcr.io', parseImageReference('gcr.io/proj/app'), false],
    ['gcr.io', eu, false],
  ])('%s vs %o → %s', (key, ref, matches) => {
    expect(matchConfigKey(key, ref) !== undefined).toBe(matches);
  });

  it('ranks a repository prefix over the bare host, and an exact host over a glob', () => {
    expect(matchConfigKey('ghcr.io/acme', ghcr)!).toBeGreaterThan(matchConfigKey('ghcr.io', ghcr)!);
    expect(matchConfigKey('eu.gcr.io', eu)!).toBeGreaterThan(matchConfigKey('*.gcr.io', eu)!);
  });
});

describe('credentialsFromPullSecret', () => {
  const ghcr = parseImageReference('ghcr.io/acme/web');
  const nginx = parseImageReference('nginx:1.25');

  it('reads the auth field of a dockerconfigjson Secret, keyed without scheme', () => {
    const secret = dockerConfigJsonSecret('ghcr', { 'ghcr.io': { auth: auth('bot', 'pa:ss') } });
    expect(credentialsFromPullSecret(secret, ghcr)).toEqual({ username: 'bot', password: 'pa:ss' });
  });

  it('reads username/password fields, keyed with scheme', () => {
    const secret = dockerConfigJsonSecret('ghcr', { 'https://ghcr.io': { username: 'bot', password: 'pw' } });
    expect(credentialsFromPullSecret(secret, ghcr)).toEqual({ username: 'bot', password: 'pw' });
  });

  it("uses Docker Hub's https://index.docker.io/v1/ key for docker.io images", () => {
    const secret = dockerConfigJsonSecret('hub', {
      'https://index.docker.io/v1/': { auth: auth('me', 'tok') },
    });
    expect(credentialsFromPullSecret(secret, nginx)).toEqual({ username: 'me', password: 'tok' });
    expect(credentialsFromPullSecret(secret, ghcr)).toBeUndefined();
  });

  it('reads a legacy dockercfg Secret (flat map)', () => {
    const secret = dockerCfgSecret('old', {
      'https://quay.io': { auth: auth('robot+ci', 'x'), email: 'a@b' },
    });
    expect(credentialsFromPullSecret(secret, parseImageReference('quay.io/team/app'))).toEqual({
      username: 'robot+ci',
      password: 'x',
    });
  });

  it('lets auth win over username/password and keeps identity tokens', () => {
    const secret = dockerConfigJsonSecret('acr', {
      'acme.azurecr.io': {
        auth: auth('00000000-0000-0000-0000-000000000000', ''),
        username: 'ignored',
        identitytoken: 'refresh',
      },
    });
    expect(credentialsFromPullSecret(secret, parseImageReference('acme.azurecr.io/web'))).toEqual({
      username: '00000000-0000-0000-0000-000000000000',
      password: '',
      identityToken: 'refresh',
    });
  });

  it('picks the most specific key', () => {
    const secret = dockerConfigJsonSecret('multi', {
      'ghcr.io': { auth: auth('org', 'a') },
      'ghcr.io/acme': { auth: auth('team', 'b') },
    });
    expect(credentialsFromPullSecret(secret, ghcr)?.username).toBe('team');
    expect(credentialsFromPullSecret(secret, parseImageReference('ghcr.io/other/x'))?.username).toBe('org');
  });

  it('accepts an Opaque Secret that has the .dockerconfigjson key', () => {
    const secret = {
      ...dockerConfigJsonSecret('opaque', { 'ghcr.io': { auth: auth('u', 'p') } }),
      type: 'Opaque',
    };
    expect(credentialsFromPullSecret(secret, ghcr)).toEqual({ username: 'u', password: 'p' });
  });

  it.each([
    [
      { metadata: { name: 's' }, type: 'Opaque', data: {} },
      /Secret "s" \(type Opaque\) has no "\.dockerconfigjson" key/,
    ],
    [{ metadata: { name: 's' }, type: 'kubernetes.io/dockercfg', data: {} }, /has no "\.dockercfg" key/],
    [
      { metadata: { name: 's' }, data: { '.dockerconfigjson': '%%%' } },
      /Secret "s" key "\.dockerconfigjson" is not valid base64/,
    ],
    [{ metadata: { name: 's' }, data: { '.dockerconfigjson': b64('{nope') } }, /is not valid JSON/],
    [{ metadata: { name: 's' }, data: { '.dockerconfigjson': b64('[]') } }, /is not a JSON object/],
    [
      { metadata: { name: 's' }, data: { '.dockerconfigjson': b64('{"auths":3}') } },
      /"auths" field that is not an object/,
    ],
    [
      {
        metadata: { name: 's' },
        data: {
          '.dockerconfigjson': b64(JSON.stringify({ auths: { 'ghcr.io': { auth: b64('nocolon') } } })),
        },
      },
      /"auth" field of Secret "s" key "\.dockerconfigjson", entry "ghcr\.io" does not decode to "username:password"/,
    ],
  ])('explains an unusable Secret without showing its values (%#)', (secret, message) => {
    let error: unknown;
    try {
      credentialsFromPullSecret(secret as PullSecret, ghcr);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PullSecretError);
    expect((error as PullSecretError).kind).toBe('pull-secret');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('nocolon');
  });
});

describe('credentialsFromPullSecrets', () => {
  const ghcr = parseImageReference('ghcr.io/acme/web');
  it('takes the most specific match over all Secrets, the earlier one on a tie', () => {
    const a = dockerConfigJsonSecret('a', { 'ghcr.io': { auth: auth('a', '1') } });
    const b = dockerConfigJsonSecret('b', { 'ghcr.io': { auth: auth('b', '2') } });
    const c = dockerConfigJsonSecret('c', { 'ghcr.io/acme/web': { auth: auth('c', '3') } });
    expect(credentialsFromPullSecrets([a, b], ghcr)?.username).toBe('a');
    expect(credentialsFromPullSecrets([a, b, c], ghcr)?.username).toBe('c');
    expect(credentialsFromPullSecrets([], ghcr)).toBeUndefined();
  });
});

describe('credentialsFromDockerConfig', () => {
  it('reads a docker config.json', () => {
    const text = JSON.stringify({
      auths: { 'localhost:5000': { auth: auth('u', 'p') } },
      credsStore: 'desktop',
    });
    expect(credentialsFromDockerConfig(text, parseImageReference('localhost:5000/app'))).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(credentialsFromDockerConfig(text, parseImageReference('nginx'))).toBeUndefined();
  });
  it('names the file when it is not JSON', () => {
    expect(() => credentialsFromDockerConfig('nope', parseImageReference('nginx'), '/tmp/x.json')).toThrow(
      /\/tmp\/x\.json is not valid JSON/,
    );
  });
});

describe('globLabelMatch', () => {
  it.each([
    ['*', 'gcr', true],
    ['*', '', true],
    ['eu*', 'eu-west', true],
    ['*west', 'eu-west', true],
    ['e*w*t', 'eu-west', true],
    ['eu*', 'us-east', false],
    ['a*b', 'ab', true],
    ['a*b', 'a', false],
    ['abc', 'abc', true],
    ['abc', 'abd', false],
  ])('%s ~ %s is %s', (glob, label, expected) => {
    expect(globLabelMatch(glob, label)).toBe(expected);
  });

  it('answers at once for a glob that a backtracking regex would choke on', () => {
    const started = performance.now();
    expect(globLabelMatch(`${'a*'.repeat(30)}b`, 'a'.repeat(63))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
