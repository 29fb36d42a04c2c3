// Reading errors thrown by @kubernetes/client-node. Its ApiException message is a multi-line dump of the
// response (code, body, headers); statuses and events need the apiserver's one-line reason instead.
import { kubeMessage, statusCode } from '../../common/kube.js';

export { kubeMessage, statusCode, isConflict, isNotFound } from '../../common/kube.js';

/**
 * A write based on a stale read: 409 (resourceVersion precondition), or a JSON patch whose `test` op
 * failed because someone changed the value since we read it. The apiserver answers the latter with 422
 * and only the generic "the server rejected our request due to an error in our request" (no detail), so
 * that message is what identifies it; a 422 for an invalid object names the field instead.
 */
export function isStaleWrite(err: unknown): boolean {
  const code = statusCode(err);
  if (code === 409) return true;
  return (
    code === 422 &&
    /rejected our request due to an error in our request|test operation failed/i.test(kubeMessage(err))
  );
}

/** Errors where waiting and trying again may help (apiserver down, overloaded, timeouts). */
export function isTransientKubeError(err: unknown): boolean {
  const code = statusCode(err);
  if (code === undefined) return true; // connection refused/reset, DNS, timeouts
  return code === 409 || code === 429 || code >= 500;
}

/** A pull secret the Image names could not be read from the API (missing, forbidden). */
export class PullSecretReadError extends Error {
  override readonly name = 'PullSecretReadError';
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/**
 * The apiserver could not be reached (or answered 5xx/429) while a check needed it: nothing about the
 * Image is wrong, and a status could not be written anyway. Retried without touching the status.
 */
export class ApiUnavailableError extends Error {
  override readonly name = 'ApiUnavailableError';
}
