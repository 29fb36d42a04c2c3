// Who a request is for and how to reach it: the repository, its base URL, TLS settings and the
// credentials that apply (pull secrets first, then the Pod's cloud identity, else anonymous).
import type { RegistryAccess } from './access.js';
import type { TlsSettings } from '../http/agents.js';
import { credentialsIdentity, type AuthSubject } from './auth.js';
import type { CloudCredentials } from './cloud/index.js';
import type { ParsedManifest } from './manifest.js';
import type { Transport } from './transport.js';
import { isLocalRegistry, type ImageReference } from '../../domain/image/reference.js';

/** What a tag points at; cached per tag for the digest TTL. */
export interface TagTarget {
  digest: string;
  mediaType: string | undefined;
  /** Present when the body was fetched anyway (HEAD unsupported). */
  manifest?: ParsedManifest;
}

/** Per-request view of a repository plus how to reach it. */
export interface Target extends AuthSubject {
  ref: ImageReference;
  baseUrl: string;
}

/** Pull secrets win; without one, the Pod's cloud identity (spec.cloudAuth); else anonymous. */
export async function resolveTarget(
  ref: ImageReference,
  access: RegistryAccess,
  cloud: CloudCredentials,
  transport: Transport,
): Promise<Target> {
  const plain = access.plainHTTP ?? isLocalRegistry(ref.registry);
  const tls: TlsSettings = {
    insecureSkipTLSVerify: access.insecureSkipTLSVerify ?? false,
    caBundle: access.caBundle,
  };
  const baseUrl = `${plain ? 'http' : 'https'}://${ref.registry}`;
  const credentials =
    access.credentials ??
    (await cloud.credentialsFor(ref.registry, access.cloudAuth, {
      transport,
      baseUrl,
      tls,
    }));
  return {
    ref,
    registry: ref.registry,
    repository: ref.repository,
    credentials,
    credId: credentialsIdentity(credentials),
    tls,
    baseUrl,
  };
}
