import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../common/metrics.js';

export const reconciles = new Counter({
  name: 'tagpilot_operator_reconcile_total',
  help: 'Reconciles by kind (Image, AlertConfig) and result (success, error).',
  labelNames: ['kind', 'result'] as const,
  registers: [metricsRegistry],
});

export const reconcileDuration = new Histogram({
  name: 'tagpilot_operator_reconcile_duration_seconds',
  help: 'Time to reconcile one object, by kind.',
  labelNames: ['kind'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers: [metricsRegistry],
});

export const statusWrites = new Counter({
  name: 'tagpilot_operator_status_writes_total',
  help: 'Status subresource writes by kind; a reconcile that changes nothing writes nothing.',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const queueDepth = new Gauge({
  name: 'tagpilot_operator_queue_depth',
  help: 'Keys waiting in the reconcile queue, by kind.',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const isLeader = new Gauge({
  name: 'tagpilot_operator_leader',
  help: '1 while this replica holds the leader Lease (reconciles, rotates certificates), else 0.',
  registers: [metricsRegistry],
});

export const servingCertNotAfter = new Gauge({
  name: 'tagpilot_operator_webhook_cert_not_after_seconds',
  help: 'Expiry (Unix time) of the serving certificate this replica presents.',
  registers: [metricsRegistry],
});

export const certReloads = new Counter({
  name: 'tagpilot_operator_webhook_cert_reloads_total',
  help: 'Serving certificates loaded by this replica from the Secret without a restart.',
  registers: [metricsRegistry],
});

export const cachedImages = new Gauge({
  name: 'tagpilot_operator_cached_images',
  help: 'Images in the informer cache the mutating webhook answers from.',
  registers: [metricsRegistry],
});
