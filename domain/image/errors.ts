// Why an image could not be looked up, as kinds an Image's status maps to. The registry client's errors
// (controller/registry/errors.ts) extend this base; the reference parser here throws BadReferenceError
// before anything is sent, so a malformed reference is reported the same way wherever it is parsed.

export type RegistryErrorKind =
  | 'auth'
  | 'not-found'
  | 'rate-limited'
  | 'tls'
  | 'network'
  | 'timeout'
  | 'server'
  | 'bad-reference'
  | 'bad-response'
  | 'pull-secret';

export abstract class RegistryError extends Error {
  abstract readonly kind: RegistryErrorKind;
  /** Whether the same request may succeed later without anyone changing configuration. */
  abstract readonly transient: boolean;
  /** HTTP status behind the error, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
  }
}

/** The image reference itself is invalid: nothing was sent. */
export class BadReferenceError extends RegistryError {
  readonly kind = 'bad-reference';
  readonly transient = false;
}
