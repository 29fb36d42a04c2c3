// Trigger metrics on the process-wide registry. Module scope, created once: prom-client refuses a name
// twice, and every scheduler and receiver of the process shares these series.
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry, once } from '../../common/metrics.js';

/** How a webhook request ended; one label value per response the receivers give. */
export type HookOutcome =
  | 'triggered'
  | 'no_match'
  | 'rejected'
  | 'ignored'
  | 'ping'
  | 'unauthorized'
  | 'disabled'
  | 'bad_request'
  | 'too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'not_found'
  | 'error';

export const hooksReceived = once(
  'tagpilot_hooks_received_total',
  () =>
    new Counter({
      name: 'tagpilot_hooks_received_total',
      help: 'Webhook requests received under /v1/hooks/, by source (generic, dockerhub, github, harbor, quay, distribution, unknown) and outcome (triggered, no_match, rejected, ignored, ping, unauthorized, disabled, bad_request, too_large, unsupported_media_type, method_not_allowed, not_found, error).',
      labelNames: ['source', 'outcome'] as const,
      registers: [metricsRegistry],
    }),
);

export const hookImagesTriggered = once(
  'tagpilot_hook_images_triggered_total',
  () =>
    new Counter({
      name: 'tagpilot_hook_images_triggered_total',
      help: 'Images queued for evaluation by webhook requests, by source.',
      labelNames: ['source'] as const,
      registers: [metricsRegistry],
    }),
);

export const cronFires = once(
  'tagpilot_cron_fires_total',
  () =>
    new Counter({
      name: 'tagpilot_cron_fires_total',
      help: 'Images queued for evaluation by their crontab triggers.',
      registers: [metricsRegistry],
    }),
);

export const cronScheduled = once(
  'tagpilot_cron_scheduled_images',
  () =>
    new Gauge({
      name: 'tagpilot_cron_scheduled_images',
      help: 'Images with at least one valid crontab trigger in the scheduler.',
      registers: [metricsRegistry],
    }),
);
