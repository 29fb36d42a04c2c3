// The error a registry's 401/403 becomes: what was refused, for whom, and what to check.
import { repositoryName } from '../../domain/image/reference.js';
import { describeErrorBody } from './answers.js';
import { RegistryAuthError, type RegistryError } from './errors.js';
import type { Target } from './target.js';
import type { HttpResponse } from './transport.js';

export function authError(target: Target, res: HttpResponse, what: string): RegistryError {
  const detail = describeErrorBody(res);
  const suffix = detail ? ` (${detail})` : '';
  const name = repositoryName(target.ref);
  const c = target.credentials;
  if (res.status === 403) {
    return new RegistryAuthError(
      `registry ${target.registry} denied ${what}${suffix}: the ${c ? 'credentials lack' : 'anonymous user lacks'} pull permission on ${name}${c?.hint ? `; check ${c.hint}` : ''}`,
      { status: 403 },
    );
  }
  if (!c) {
    return new RegistryAuthError(
      `registry ${target.registry} requires authentication for ${name}, or the repository does not exist${suffix}; add an image pull secret`,
      { status: 401 },
    );
  }
  const who = c.username ? `user "${c.username}"` : 'the token';
  return new RegistryAuthError(
    `registry ${target.registry} rejected ${who} for ${name}, or the repository does not exist${suffix}; check ${c.hint ?? 'the image pull secret'}`,
    { status: 401 },
  );
}
