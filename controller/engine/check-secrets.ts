// The credentials a check used, remembered per Image object for the time of the check, so that an error
// thrown from deep in the registry client is scrubbed of them before it becomes status, Event or log.
// The user name is not among them: the registry client names it on purpose ("rejected user "robot"")
// so that people can tell which pull secret was used; the password and tokens are.
import { basicAuthForms } from '../../domain/scrub.js';
import type { Image } from '../../crds/index.js';
import type { RegistryCredentials } from '../registry/index.js';

const used = new WeakMap<Image, string[]>();

export function rememberCredentials(image: Image, credentials: RegistryCredentials | undefined): void {
  if (!credentials) return;
  const { username, password, identityToken, registryToken } = credentials;
  used.set(image, [
    ...[password, identityToken, registryToken].filter((v): v is string => !!v),
    ...basicAuthForms(username, password),
  ]);
}

export function credentialsOf(image: Image): readonly string[] {
  return used.get(image) ?? [];
}
