// The cloud step of the registry credential chain. Imports no SDK: chain.ts loads them on first use.
export { CloudCredentials, type CloudCredentialsOptions } from './chain.js';
export { cloudTarget, type CloudAuthMode, type CloudProvider, type CloudTarget } from './hosts.js';
export {
  CloudAuthError,
  NoCloudIdentity,
  type CloudSource,
  type CloudToken,
  type RegistryEndpoint,
} from './source.js';
