// How to reach one registry for one Image: what the controller derives from an Image's spec and pull
// secrets, and the CLI from its flags.
import type { CloudAuthMode } from './cloud/index.js';
import type { RegistryCredentials } from './credentials.js';

export interface RegistryAccess {
  /**
   * From the Image's pull secrets (see credentialsFromPullSecrets). When absent, the Pod's cloud identity
   * per `cloudAuth`, else anonymous.
   */
  credentials?: RegistryCredentials | undefined;
  /** spec.cloudAuth: whose cloud identity reads the registry when no pull secret matches. Default auto. */
  cloudAuth?: CloudAuthMode | undefined;
  /** Skip TLS certificate verification (spec.insecureSkipTLSVerify). */
  insecureSkipTLSVerify?: boolean | undefined;
  /** Talk HTTP; when undefined, localhost and 127.0.0.0/8 registries use HTTP and all others HTTPS. */
  plainHTTP?: boolean | undefined;
  /** Extra PEM CA certificates trusted for this registry, in addition to the system ones. */
  caBundle?: string | undefined;
}
