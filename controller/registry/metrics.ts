// Registry metrics on the process-wide Prometheus registry. Created once per process (module scope):
// prom-client refuses to register a name twice, and every RegistryClient shares these series.
import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry, once } from '../../common/metrics.js';

/** What a request was for; one label value per Distribution API call the client makes. */
export type RequestKind = 'tags' | 'manifest_head' | 'manifest_get' | 'blob' | 'token';

export const registryRequests = once(
  'tagpilot_registry_requests_total',
  () =>
    new Counter({
      name: 'tagpilot_registry_requests_total',
      help: 'HTTP requests sent to registries (every attempt, auth challenges and token requests included), by registry, kind and HTTP status (or timeout/network/tls).',
      labelNames: ['registry', 'kind', 'status'] as const,
      registers: [metricsRegistry],
    }),
);

export const registryRequestDuration = once(
  'tagpilot_registry_request_duration_seconds',
  () =>
    new Histogram({
      name: 'tagpilot_registry_request_duration_seconds',
      help: 'Time from sending a registry request to having its whole response, by registry and kind.',
      labelNames: ['registry', 'kind'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metricsRegistry],
    }),
);

export const registryCache = once(
  'tagpilot_registry_cache_total',
  () =>
    new Counter({
      name: 'tagpilot_registry_cache_total',
      help: 'Registry cache lookups by cache (tags, digest, manifest, blob, token, cloud_token) and result (hit, miss, coalesced: joined an identical request in flight).',
      labelNames: ['cache', 'result'] as const,
      registers: [metricsRegistry],
    }),
);

export const registryRateLimitRemaining = once(
  'tagpilot_registry_ratelimit_remaining',
  () =>
    new Gauge({
      name: 'tagpilot_registry_ratelimit_remaining',
      help: 'Pulls left in the current window as last reported by a registry (Docker Hub RateLimit-Remaining).',
      labelNames: ['registry'] as const,
      registers: [metricsRegistry],
    }),
);

export const registryCircuitOpen = once(
  'tagpilot_registry_circuit_open',
  () =>
    new Gauge({
      name: 'tagpilot_registry_circuit_open',
      help: 'Hosts whose requests fail at once after a timeout (1) until one answers again (0), by host.',
      labelNames: ['registry'] as const,
      registers: [metricsRegistry],
    }),
);
