// Trigger checks the CRD schema cannot express (cron syntax, time zones, intervals), for the validating
// admission webhook and for the controller's own status messages.
import type { FieldError } from '../../crds/index.js';
import { ScheduleError, parseSchedule, type Schedule } from './parse.js';

/** The part of an Image trigger the trigger engine reads (crds' ImageTrigger fits). */
export interface TriggerLike {
  type: string;
  value?: string;
  timezone?: string;
}

/**
 * Errors of one trigger, with paths like `spec.triggers[0].value`. Only crontab triggers have content to
 * check; missing or forbidden fields are the schema's job and are not repeated here.
 */
export function validateTrigger(trigger: TriggerLike, index: number): FieldError[] {
  const result = scheduleOf(trigger, index);
  return 'error' in result ? [result.error] : [];
}

/** Errors of every trigger of an Image, in order. */
export function validateTriggers(triggers: readonly TriggerLike[]): FieldError[] {
  return triggers.flatMap((trigger, index) => validateTrigger(trigger, index));
}

/** Parses a crontab trigger, or says why it cannot; `{}` for other trigger types. */
export function scheduleOf(
  trigger: TriggerLike,
  index: number,
): { schedule: Schedule } | { error: FieldError } | Record<string, never> {
  if (trigger.type !== 'crontab' || trigger.value === undefined) return {};
  try {
    return { schedule: parseSchedule(trigger.value, trigger.timezone) };
  } catch (err) {
    const field = err instanceof ScheduleError ? err.field : 'value';
    const message = err instanceof Error ? err.message : String(err);
    return { error: { field: `spec.triggers[${index}].${field}`, message } };
  }
}
