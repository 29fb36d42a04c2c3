// Public surface of the trigger engine (schedules, hook receivers, the refresh annotation).
// Parsing and validating schedules is the domain's (domain/schedule/); this is the timing around them.
export { CronScheduler, DEFAULT_MAX_SLEEP_MS, type CronSchedulerOptions } from './scheduler.js';
export { DEFAULT_MAX_JITTER_MS, jitterFraction, nextRun } from './next-run.js';
export {
  REFRESH_ANNOTATION,
  annotationRemovalPatch,
  refreshRemovalPatch,
  refreshRequested,
} from './refresh.js';
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
export {
  HOOK_SOURCES,
  MAX_HOOK_RESULTS,
  type HookEvent,
  type HookImageResult,
  type HookMatch,
  type HookSource,
} from './hooks/types.js';
