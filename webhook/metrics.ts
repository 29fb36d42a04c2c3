import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../common/metrics.js';

export const admissionRequests = new Counter({
  name: 'tagpilot_admission_requests_total',
  help: 'AdmissionReview requests answered, by webhook (mutate, validate), kind and outcome (allowed, patched, denied, error).',
  labelNames: ['webhook', 'kind', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const admissionDuration = new Histogram({
  name: 'tagpilot_admission_duration_seconds',
  help: 'Time from the first byte of an AdmissionReview to the end of the response, by webhook.',
  labelNames: ['webhook'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [metricsRegistry],
});

export const pinnedContainers = new Counter({
  name: 'tagpilot_admission_pinned_containers_total',
  help: 'Container image references rewritten by the mutating webhook.',
  registers: [metricsRegistry],
});
