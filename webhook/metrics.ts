// Admission metrics. Every Pod created in an opted-in namespace passes through here, and prom-client
// validates and hashes label objects on each inc/observe; so requests only bump plain counters and
// queue durations, and the metrics take them over when Prometheus scrapes (collect()).
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../common/metrics.js';

type Webhook = 'mutate' | 'validate';

const pendingRequests = new Map<
  string,
  { labels: { webhook: Webhook; kind: string; outcome: string }; n: number }
>();
const pendingDurations: Record<Webhook, number[]> = { mutate: [], validate: [] };
/** Beyond this many queued durations (nobody scrapes), observe directly instead of queueing. */
const MAX_PENDING = 50_000;

export const admissionRequests = new Counter({
  name: 'tagpilot_admission_requests_total',
  help: 'AdmissionReview requests answered, by webhook (mutate, validate), kind and outcome (allowed, patched, denied, error).',
  labelNames: ['webhook', 'kind', 'outcome'] as const,
  registers: [metricsRegistry],
  collect() {
    for (const p of pendingRequests.values()) {
      if (p.n === 0) continue;
      this.inc(p.labels, p.n);
      p.n = 0;
    }
  },
});

export const admissionDuration = new Histogram({
  name: 'tagpilot_admission_duration_seconds',
  help: 'Time from the first byte of an AdmissionReview to the end of the response, by webhook.',
  labelNames: ['webhook'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [metricsRegistry],
  collect() {
    for (const webhook of ['mutate', 'validate'] as const) {
      for (const v of pendingDurations[webhook].splice(0)) this.observe({ webhook }, v);
    }
  },
});

export const pinnedContainers = new Counter({
  name: 'tagpilot_admission_pinned_containers_total',
  help: 'Container image references rewritten by the mutating webhook.',
  registers: [metricsRegistry],
});

export function countAdmission(webhook: Webhook, kind: string, outcome: string): void {
  const key = `${webhook}\0${kind}\0${outcome}`;
  let entry = pendingRequests.get(key);
  if (!entry) pendingRequests.set(key, (entry = { labels: { webhook, kind, outcome }, n: 0 }));
  entry.n++;
}

export function observeAdmission(webhook: Webhook, seconds: number): void {
  const pending = pendingDurations[webhook];
  if (pending.length < MAX_PENDING) pending.push(seconds);
  else admissionDuration.observe({ webhook }, seconds);
}
