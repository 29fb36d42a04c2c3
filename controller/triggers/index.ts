// Public surface of the trigger engine; the controller and the admission webhook import from here only.
export { formatDuration, parseDuration } from './duration.js';
export { CronScheduler, DEFAULT_MAX_SLEEP_MS, type CronSchedulerOptions } from './scheduler.js';
export {
  DEFAULT_MAX_JITTER_MS,
  MAX_EVERY_MS,
  MIN_INTERVAL_MS,
  ScheduleError,
  canonicalTimezone,
  jitterFraction,
  nextRun,
  parseSchedule,
  type CronSchedule,
  type EverySchedule,
  type Schedule,
  type ScheduleField,
} from './schedule.js';
export {
  scheduleOf,
  validateTrigger,
  validateTriggers,
  type FieldError,
  type TriggerLike,
} from './validate.js';
export { REFRESH_ANNOTATION, refreshRemovalPatch, refreshRequested } from './refresh.js';
export { createHookHandler, HOOKS_PATH, type HookHandler, type HookHandlerOptions } from './hooks/handler.js';
export { DEFAULT_MAX_BODY_BYTES } from './hooks/body.js';
export {
  HOOK_SECRET_ENV,
  HOOK_SECRETS_DIR_ENV,
  enabledSources,
  hookSecretsProvider,
  loadHookSecrets,
  secretsFor,
  type HookSecrets,
  type HookSecretsProviderOptions,
  type LoadHookSecretsOptions,
} from './hooks/secrets.js';
export { HOOK_SOURCES, type HookEvent, type HookSource } from './hooks/types.js';
