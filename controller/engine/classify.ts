// Maps what went wrong during a check to the Image's `status.result` and a message a user can act on.
// Pure: the evaluator throws, this decides what the user reads and whether the queue retries. It is the
// only place that tells error kinds apart; nothing else looks at an error's class or name.
import type { ImageResult } from '../../crds/index.js';
import { errorMessage } from '../../common/errors.js';
import {
  ApiUnavailableError,
  PullSecretReadError,
  isTransientKubeError,
  kubeMessage,
} from '../kube/errors.js';
import { scrubSecrets } from '../../domain/scrub.js';
import { RuleError } from '../../domain/rules/index.js';
import { isRegistryError, type RegistryError } from '../registry/index.js';

/** The registry listed no usable tags: nothing for the rules to choose from. */
export class TagsError extends Error {
  override readonly name = 'TagsError';
}

export type FailedResult = Exclude<ImageResult, 'Success' | 'Scheduled' | 'ActionError'>;

/** A failed check: what its status says, or ApiUnavailable (nothing to write, retry). */
export type Classified =
  | { result: 'ApiUnavailable'; message: string; retry: true }
  | {
      result: FailedResult;
      message: string;
      /** Whether evaluating again later (with backoff) may succeed without a spec change. */
      retry: boolean;
      /** Do not retry before this (e.g. the registry's Retry-After). */
      retryAfterMs?: number;
    };

/** A failed check whose status says so. */
export type StatusClassified = Exclude<Classified, { result: 'ApiUnavailable' }>;

function registryResult(err: RegistryError): StatusClassified {
  switch (err.kind) {
    case 'auth':
    case 'pull-secret':
      // Missing, unreadable or rejected credentials: the fix is in the Secret (or in the registry's
      // permissions for it). Retried: someone may fix the Secret, which the controller does not watch.
      return { result: 'PullSecretsError', message: err.message, retry: true };
    case 'bad-reference':
      return { result: 'Error', message: `spec.image: ${err.message}`, retry: false };
    case 'rate-limited': {
      const after = (err as RegistryError & { retryAfterSeconds?: number }).retryAfterSeconds;
      return {
        result: 'RegistryError',
        message: err.message,
        retry: true,
        ...(after !== undefined ? { retryAfterMs: after * 1000 } : {}),
      };
    }
    case 'not-found':
    case 'tls':
    case 'bad-response':
    case 'server':
      return { result: 'RegistryError', message: err.message, retry: true };
    case 'network':
    case 'timeout':
      return {
        result: 'RegistryError',
        message: `${err.message}; Tagpilot retries with backoff`,
        retry: true,
      };
  }
}

/**
 * `secrets` are the credentials the check used (pull-secret user names, passwords, tokens): a registry
 * may quote them back in an error, and the message goes to status, an Event and the log.
 */
export function classifyError(err: unknown, secrets: readonly (string | undefined)[] = []): Classified {
  const c = classify(err);
  return { ...c, message: scrubSecrets(c.message, secrets) };
}

function classify(err: unknown): Classified {
  if (err instanceof RuleError) {
    // A bad rule stays bad until the spec changes, and a spec change triggers an evaluation anyway.
    return { result: 'RuleError', message: `${err.message}; fix the rule in the Image spec`, retry: false };
  }
  if (err instanceof TagsError) return { result: 'TagsError', message: err.message, retry: true };
  if (err instanceof PullSecretReadError)
    return { result: 'PullSecretsError', message: err.message, retry: true };
  if (isRegistryError(err)) return registryResult(err);
  if (err instanceof ApiUnavailableError)
    return { result: 'ApiUnavailable', message: err.message, retry: true };
  if (isKubeClientError(err) && isTransientKubeError(err)) {
    return { result: 'ApiUnavailable', message: kubeMessage(err), retry: true };
  }
  return {
    result: 'Error',
    message: `unexpected error during the check: ${errorMessage(err)}; see the controller logs`,
    retry: true,
  };
}

/** Errors from the Kubernetes client carry a numeric `code` (ApiException) or come from its fetch. */
function isKubeClientError(err: unknown): boolean {
  if (typeof (err as { code?: unknown } | null)?.code === 'number') return true;
  const name = (err as { name?: string } | null)?.name;
  return name === 'FetchError' || name === 'AbortError';
}
