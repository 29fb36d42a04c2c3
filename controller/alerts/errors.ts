/**
 * A failed delivery attempt. `message` is safe for Events and logs: it never holds a URL path, header or
 * credential (callers also scrub resolved values from it). `retriable` says whether trying again may help.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly retriable: boolean,
    /** The peer asked to wait this long (HTTP Retry-After, Discord retry_after). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
