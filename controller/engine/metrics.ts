// Controller metrics on the process-wide registry (module scope: prom-client refuses a name twice, and
// two controllers in one test process share the series).
import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry, once } from '../../common/metrics.js';

export const evaluations = once(
  'tagpilot_controller_evaluations_total',
  () =>
    new Counter({
      name: 'tagpilot_controller_evaluations_total',
      help: 'Image evaluations by result (Success, RegistryError, …; Skipped for suspended or vanished Images, ApiUnavailable when the apiserver could not be reached).',
      labelNames: ['result'] as const,
      registers: [metricsRegistry],
    }),
);

export const evaluationDuration = once(
  'tagpilot_controller_evaluation_duration_seconds',
  () =>
    new Histogram({
      name: 'tagpilot_controller_evaluation_duration_seconds',
      help: 'Time of one Image evaluation: pull secrets, registry, rules, actions and status write.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [metricsRegistry],
    }),
);

export const triggers = once(
  'tagpilot_controller_triggers_total',
  () =>
    new Counter({
      name: 'tagpilot_controller_triggers_total',
      help: 'Evaluation requests by trigger (cron, webhook, manual, new, spec, missed, retry), before coalescing.',
      labelNames: ['trigger'] as const,
      registers: [metricsRegistry],
    }),
);

export const updates = once(
  'tagpilot_controller_updates_total',
  () =>
    new Counter({
      name: 'tagpilot_controller_updates_total',
      help: 'New tags (or digests) decided by the rules, counted when their actions run.',
      registers: [metricsRegistry],
    }),
);

export const actions = once(
  'tagpilot_controller_actions_total',
  () =>
    new Counter({
      name: 'tagpilot_controller_actions_total',
      help: 'Actions run, by type (apply, restart, alert) and outcome (ok, failed, dry_run).',
      labelNames: ['action', 'outcome'] as const,
      registers: [metricsRegistry],
    }),
);

export const statusWrites = once(
  'tagpilot_controller_status_writes_total',
  () =>
    new Counter({
      name: 'tagpilot_controller_status_writes_total',
      help: 'Image status outcomes: written (something changed), heartbeat (only the check times, at most once per heartbeat), skipped (nothing to write), dry_run. Every write is a server-side apply.',
      labelNames: ['outcome'] as const,
      registers: [metricsRegistry],
    }),
);

export const queueDepth = once(
  'tagpilot_controller_queue_depth',
  () =>
    new Gauge({
      name: 'tagpilot_controller_queue_depth',
      help: 'Images waiting in the work queue (due now or later: retries, delayed triggers).',
      registers: [metricsRegistry],
    }),
);

export const queueActive = once(
  'tagpilot_controller_queue_active',
  () =>
    new Gauge({
      name: 'tagpilot_controller_queue_active',
      help: 'Images being evaluated right now.',
      registers: [metricsRegistry],
    }),
);

export const imagesWatched = once(
  'tagpilot_controller_images',
  () =>
    new Gauge({
      name: 'tagpilot_controller_images',
      help: 'Images in the informer cache.',
      registers: [metricsRegistry],
    }),
);

export const leader = once(
  'tagpilot_controller_leader',
  () =>
    new Gauge({
      name: 'tagpilot_controller_leader',
      help: '1 while this replica holds the leader Lease and acts, else 0.',
      registers: [metricsRegistry],
    }),
);

export const watchRestarts = once(
  'tagpilot_controller_watch_restarts_total',
  () =>
    new Counter({
      name: 'tagpilot_controller_watch_restarts_total',
      help: 'Watch restarts by resource (images, the workload kinds, pods) and reason: closed (server timeout, normal), expired (410, relisted), error (backoff).',
      labelNames: ['resource', 'reason'] as const,
      registers: [metricsRegistry],
    }),
);

export const eventsRecorded = once(
  'tagpilot_controller_events_total',
  () =>
    new Counter({
      name: 'tagpilot_controller_events_total',
      help: 'Kubernetes Events written, by outcome (ok, failed).',
      labelNames: ['outcome'] as const,
      registers: [metricsRegistry],
    }),
);
