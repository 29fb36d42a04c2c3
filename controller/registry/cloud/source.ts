// What each cloud module provides, and the two ways a cloud identity can fail: not there at all (the
// Pod runs outside that cloud, or without its identity) or there and refused.
import type { RegistryCredentials } from '../credentials.js';
import { RegistryError } from '../errors.js';
import type { TlsSettings } from '../../http/agents.js';
import type { Transport } from '../transport.js';
import type { CloudTarget } from './hosts.js';

export interface CloudToken {
  credentials: RegistryCredentials;
  /** Epoch milliseconds after which the registry no longer accepts `credentials`. */
  expiresAt: number;
}

/** How to reach the registry itself, for clouds that exchange a token there (ACR's /oauth2/exchange). */
export interface RegistryEndpoint {
  transport: Transport;
  /** `https://host[:port]` (http for plain-HTTP registries). */
  baseUrl: string;
  tls: TlsSettings;
}

export interface CloudSource {
  token(target: CloudTarget, endpoint: RegistryEndpoint): Promise<CloudToken>;
}

/** The Pod has no identity of this cloud (as opposed to one that was refused): `auto` stays anonymous. */
export class NoCloudIdentity extends Error {
  override readonly name = 'NoCloudIdentity';
}

/**
 * The Pod's cloud identity could not get registry credentials. The message names the cloud, the identity
 * (role ARN, service account, client id: never a secret) and what to check.
 */
export class CloudAuthError extends RegistryError {
  readonly kind = 'auth';
  readonly transient: boolean;
  constructor(message: string, options: { transient?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.transient = options.transient ?? false;
  }
}

/** `Name: message` of an SDK error, one line and short; SDK errors carry no credentials. */
export function sdkDetail(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown };
  const name = typeof e?.name === 'string' && e.name !== 'Error' ? `${e.name}: ` : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return `${name}${message}`.replace(/\s+/g, ' ').trim().slice(0, 300);
}
