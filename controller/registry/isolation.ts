// How the controller keeps one registry from costing the Images of others: Images are evaluated in
// groups by registry host, and one host's Images hold at most `evaluationsPerRegistry` of the evaluation
// slots. The rest of the isolation lives in the transport: a deadline per request, and a circuit breaker
// that makes a host's requests fail at once for a cool-down after a timeout (docs/registries.md).
import { parseImageReference } from '../../domain/image/reference.js';

/** The registry host an image reference is pulled from (`registry-1.docker.io`); undefined if invalid. */
export function registryHostOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  try {
    return parseImageReference(image).registry;
  } catch {
    return undefined;
  }
}

/**
 * Evaluation slots the Images of one registry host may hold at once: never all of them (one is always
 * left for other hosts), and no more than the requests that host may have in flight, since an evaluation
 * asks one thing at a time and more of them would only queue for a request permit while holding a slot.
 */
export function evaluationsPerRegistry(concurrency: number, requestsPerRegistry: number): number {
  return Math.max(1, Math.min(concurrency - 1, requestsPerRegistry));
}
