// How the controller keeps one registry from costing the Images of others: Images are evaluated in
// groups by registry host, and one host's Images hold at most `evaluationsPerRegistry` of the evaluation
// slots. The rest of the isolation lives in the transport: a deadline per request, and a circuit breaker
// that makes a host's requests fail at once for a cool-down after a timeout (docs/registries.md).
import { parseImageReference } from '../../domain/image/reference.js';

/** Hosts of the references asked lately; forgotten all at once when full (a fleet names a few hundred). */
const hosts = new Map<string, string | undefined>();
const MAX_REMEMBERED_HOSTS = 4_096;

/**
 * The registry host an image reference is pulled from (`registry-1.docker.io`); undefined if invalid.
 * Remembered per reference: the work queue asks it on every add (every watch event that wakes a
 * followed rollout), and parsing a reference is most of the cost of an add.
 */
export function registryHostOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  if (hosts.has(image)) return hosts.get(image);
  let host: string | undefined;
  try {
    host = parseImageReference(image).registry;
  } catch {
    host = undefined;
  }
  if (hosts.size >= MAX_REMEMBERED_HOSTS) hosts.clear();
  hosts.set(image, host);
  return host;
}

/**
 * Evaluation slots the Images of one registry host may hold at once: never all of them (one is always
 * left for other hosts), and no more than the requests that host may have in flight, since an evaluation
 * asks one thing at a time and more of them would only queue for a request permit while holding a slot.
 */
export function evaluationsPerRegistry(concurrency: number, requestsPerRegistry: number): number {
  return Math.max(1, Math.min(concurrency - 1, requestsPerRegistry));
}
