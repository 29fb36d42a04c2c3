// Alert metrics on the process-wide Prometheus registry, created once per process (prom-client refuses
// to register a name twice).
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry, once } from '../../common/metrics.js';

export const alertDeliveries = once(
  'tagpilot_alert_deliveries_total',
  () =>
    new Counter({
      name: 'tagpilot_alert_deliveries_total',
      help: 'Alert deliveries by channel and result (sent, failed); one per channel per alert, retries included in one.',
      labelNames: ['channel', 'result'] as const,
      registers: [metricsRegistry],
    }),
);

export const alertAttempts = once(
  'tagpilot_alert_attempts_total',
  () =>
    new Counter({
      name: 'tagpilot_alert_attempts_total',
      help: 'Alert send attempts by channel (first tries and retries).',
      labelNames: ['channel'] as const,
      registers: [metricsRegistry],
    }),
);

export const alertDeliveryDuration = once(
  'tagpilot_alert_delivery_duration_seconds',
  () =>
    new Histogram({
      name: 'tagpilot_alert_delivery_duration_seconds',
      help: 'Time to deliver an alert to one channel, retries and backoff included, by channel.',
      labelNames: ['channel'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [metricsRegistry],
    }),
);
