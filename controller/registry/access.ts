// How to reach one registry for one Image: what the controller derives from an Image's spec and pull
// secrets, and the CLI from its flags.
import type { RegistryCredentials } from './credentials.js';

export interface RegistryAccess {
  /** From the Image's pull secrets (see credentialsFromPullSecrets); absent means anonymous. */
  credentials?: RegistryCredentials | undefined;
  /** Skip TLS certificate verification (spec.insecureSkipTLSVerify). */
  insecureSkipTLSVerify?: boolean | undefined;
  /** Talk HTTP; when undefined, localhost and 127.0.0.0/8 registries use HTTP and all others HTTPS. */
  plainHTTP?: boolean | undefined;
  /** Extra PEM CA certificates trusted for this registry, in addition to the system ones. */
  caBundle?: string | undefined;
}
