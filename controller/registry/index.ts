// Public surface of the registry client; the controller and the CLI import from here only.
export type { RegistryAccess } from './access.js';
export { credentialsIdentity } from './auth.js';
export { RegistryClient } from './client.js';
export type {
  DigestOptions,
  ListTagsOptions,
  PlatformImage,
  RegistryClientOptions,
} from './client-options.js';
export * from './credentials.js';
export { credentialsFromDockerConfigFile, runCredentialHelper } from './credential-helper.js';
export { CloudAuthError, cloudTarget, type CloudAuthMode, type CloudProvider } from './cloud/index.js';
export * from './errors.js';
export { evaluationsPerRegistry, registryHostOf } from './isolation.js';
export { MediaTypes, MANIFEST_ACCEPT } from './manifest.js';
export { proxyFromEnv, type ProxySettings } from '../http/agents.js';
// References and platforms are the domain's (domain/image/); re-exported as the client's vocabulary.
export {
  formatPlatform,
  parsePlatform,
  platformMatches,
  type Platform,
} from '../../domain/image/platform.js';
export * from '../../domain/image/reference.js';
