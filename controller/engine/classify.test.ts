import { describe, expect, it } from 'vitest';
import { ApiUnavailableError, PullSecretReadError } from '../kube/errors.js';
import { RegistryAuthError, RegistryRateLimitError } from '../registry/index.js';
import { TagsError, classifyError } from './classify.js';

describe('classifyError', () => {
  it.each<[string, unknown, string, boolean]>([
    [
      'apiserver unreachable while reading a Secret',
      new ApiUnavailableError('reading Secret ns/x'),
      'ApiUnavailable',
      true,
    ],
    [
      'a 503 from the Kubernetes client',
      Object.assign(new Error('unavailable'), { code: 503 }),
      'ApiUnavailable',
      true,
    ],
    [
      'a fetch failure of the Kubernetes client',
      Object.assign(new Error('ECONNREFUSED'), { name: 'FetchError' }),
      'ApiUnavailable',
      true,
    ],
    [
      'a pull secret that cannot be read',
      new PullSecretReadError('Secret "x" does not exist', true),
      'PullSecretsError',
      true,
    ],
    ['no tags', new TagsError('lists no tags'), 'TagsError', true],
    ['a 403 from the Kubernetes client', Object.assign(new Error('forbidden'), { code: 403 }), 'Error', true],
    ['anything else', new Error('boom'), 'Error', true],
  ])('%s → %s', (_name, err, result, retry) => {
    expect(classifyError(err)).toMatchObject({ result, retry });
  });

  it("passes the registry's Retry-After on", () => {
    const c = classifyError(new RegistryRateLimitError('slow down', { status: 429, retryAfterSeconds: 7 }));
    expect(c).toMatchObject({ result: 'RegistryError', retry: true, retryAfterMs: 7000 });
  });
});

describe('classifyError with the credentials of the check', () => {
  it('scrubs a password and a token a registry quoted back, in any letter case, keeping the rest', () => {
    const err = new RegistryAuthError(
      'registry r.example.com rejected user "robot" (DENIED: bad password HUNTER2-SECRET-42 and token abcdef0123456789abcdef)',
    );
    const c = classifyError(err, ['hunter2-secret-42', 'ABCDEF0123456789ABCDEF']);
    expect(c.message).toBe(
      'registry r.example.com rejected user "robot" (DENIED: bad password [redacted] and token [redacted])',
    );
  });
});
