// Typed registry errors. The controller maps `kind` to an Image's status (RegistryError, PullSecretsError,
// TagsError) and puts `message` there verbatim, so every message names the registry and repository, says
// what went wrong and what to do, and never contains a password or token.

import { RegistryError } from '../../domain/image/errors.js';

export { BadReferenceError, RegistryError, type RegistryErrorKind } from '../../domain/image/errors.js';

/** 401/403 after presenting the credentials we have (or none): fix the pull secret or the permissions. */
export class RegistryAuthError extends RegistryError {
  readonly kind = 'auth';
  readonly transient = false;
}

/** Repository, tag or manifest does not exist (or is hidden from these credentials). */
export class RegistryNotFoundError extends RegistryError {
  readonly kind = 'not-found';
  readonly transient = false;
}

/** 429, after honouring Retry-After as long as we were allowed to wait. */
export class RegistryRateLimitError extends RegistryError {
  readonly kind = 'rate-limited';
  readonly transient = true;
  /** Seconds the registry asked us to wait, when it said. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    message: string,
    options: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Certificate could not be verified (unknown CA, expired, wrong host) or TLS spoken to an HTTP port. */
export class RegistryTLSError extends RegistryError {
  readonly kind = 'tls';
  readonly transient = false;
}

/** DNS failure, connection refused or reset. A name that does not resolve is not transient. */
export class RegistryNetworkError extends RegistryError {
  readonly kind = 'network';
  readonly transient: boolean;
  constructor(message: string, options: { status?: number; cause?: unknown; transient?: boolean } = {}) {
    super(message, options);
    this.transient = options.transient ?? true;
  }
}

/** No complete answer within the request timeout. */
export class RegistryTimeoutError extends RegistryError {
  readonly kind = 'timeout';
  readonly transient = true;
}

/** 5xx that persisted through the retries. */
export class RegistryServerError extends RegistryError {
  readonly kind = 'server';
  readonly transient = true;
}

/** The registry answered with something that is not the OCI Distribution API (bad JSON, unknown media type). */
export class RegistryBadResponseError extends RegistryError {
  readonly kind = 'bad-response';
  readonly transient = false;
}

/**
 * A body larger than the client reads for its kind (docs/registries.md, "Limits"): the registry is not
 * slow or unreachable, it sent far more than a tag list, manifest or token can need.
 */
export class RegistryResponseTooLargeError extends RegistryBadResponseError {
  /** The limit that was passed, in bytes. */
  readonly limitBytes: number;
  constructor(message: string, options: { status?: number; cause?: unknown; limitBytes: number }) {
    super(message, options);
    this.limitBytes = options.limitBytes;
  }
}

export function isRegistryError(err: unknown): err is RegistryError {
  return err instanceof RegistryError;
}
