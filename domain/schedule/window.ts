// Update windows (spec.updateWindows, docs/safe-updates.md): when the actions of a decision may run.
// Pure time arithmetic over cron starts; the controller asks "is now inside a window, and if not, when
// does the next one open".
//
// A window is open from each start of its schedule (read in its time zone, so the wall-clock start
// follows daylight saving time) for `duration` of elapsed time: a 2h window that starts at 01:00 on the
// night the clocks go back closes at 02:00 by the wall clock. A start that does not exist on the day the
// clocks go forward (02:30 in Europe/Berlin) happens an hour later by the wall clock, as cron-parser
// places it; a start that exists twice when the clocks go back opens the window twice (actions are
// idempotent, so that only makes the window wider).
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { FieldError } from '../../crds/index.js';
import { formatDuration, parseDuration } from './duration.js';
import { ScheduleError, parseSchedule } from './parse.js';

/** Longest window: past a month a window is a typo (and a start must be found within a bounded scan). */
export const MAX_WINDOW_MS = 31 * 86_400_000;

/** The part of spec.updateWindows[] the window math reads (crds' ImageUpdateWindow fits). */
export interface WindowLike {
  schedule: string;
  duration: string;
  timezone?: string;
}

export interface ParsedWindow {
  expression: string;
  timezone: string;
  durationMs: number;
}

export type WindowState = { open: true; closesAt: Date } | { open: false; opensAt: Date | undefined };

/** Parses one window, or says (as a FieldError naming the field) what is wrong with it. */
export function parseWindow(window: WindowLike, index: number): ParsedWindow | FieldError {
  const path = `spec.updateWindows[${index}]`;
  let schedule;
  try {
    schedule = parseSchedule(window.schedule, window.timezone);
  } catch (err) {
    if (!(err instanceof ScheduleError)) throw err;
    return { field: `${path}.${err.field === 'timezone' ? 'timezone' : 'schedule'}`, message: err.message };
  }
  if (schedule.kind !== 'cron') {
    return {
      field: `${path}.schedule`,
      message: `a window opens at calendar times, not every interval: write cron fields such as "0 22 * * 1-5" instead of "${schedule.value}"`,
    };
  }
  if (schedule.hashed) {
    return {
      field: `${path}.schedule`,
      message: 'a window opens at times you choose: H (a hashed value) is only for trigger schedules',
    };
  }
  let durationMs: number;
  try {
    durationMs = parseDuration(window.duration);
  } catch (err) {
    return { field: `${path}.duration`, message: (err as Error).message };
  }
  if (durationMs <= 0 || durationMs > MAX_WINDOW_MS) {
    return {
      field: `${path}.duration`,
      message: `duration "${window.duration}" must be more than 0s and at most ${formatDuration(MAX_WINDOW_MS)}`,
    };
  }
  return { expression: schedule.expression, timezone: schedule.timezone, durationMs };
}

const isError = (w: ParsedWindow | FieldError): w is FieldError => 'field' in w;

/** Errors of spec.updateWindows, with paths like `spec.updateWindows[0].schedule`. */
export function validateUpdateWindows(windows: readonly WindowLike[]): FieldError[] {
  return windows.map((w, i) => parseWindow(w, i)).filter(isError);
}

/** The parsed windows of a valid spec (the validator has rejected the others; they are ignored here). */
export function parseWindows(windows: readonly WindowLike[] | undefined): ParsedWindow[] {
  return (windows ?? []).map((w, i) => parseWindow(w, i)).filter((w) => !isError(w)) as ParsedWindow[];
}

const iterators = new Map<string, CronExpression>();

function iteratorOf(w: ParsedWindow): CronExpression {
  const key = `${w.timezone}\n${w.expression}`;
  let it = iterators.get(key);
  if (!it) {
    if (iterators.size >= 1_000) iterators.clear();
    it = CronExpressionParser.parse(w.expression, { tz: w.timezone });
    iterators.set(key, it);
  }
  return it;
}

/** One step of the schedule from `from` (strict both ways), or undefined when there is none. */
function step(w: ParsedWindow, from: number, direction: 'next' | 'prev'): number | undefined {
  const it = iteratorOf(w);
  try {
    it.reset(new Date(from));
    return it[direction]().getTime();
  } catch {
    return undefined;
  }
}

/** Longest daylight-saving shift a scan must reach back over (real ones are 30 min to 2 h). */
const DST_MARGIN_MS = 3 * 3_600_000;
/** Forward steps per window and evaluation; frequent schedules fall back on prev() and next(). */
const MAX_STEPS = 200;

/**
 * The latest start at or before `t` and the first start after it. cron-parser skips a start that a
 * daylight-saving change moved when it steps from a point after the change (prev() from later that day,
 * next() from inside the skipped hour), so the starts are also found by stepping forward from before
 * the window and the change; the two answers are merged.
 */
function around(w: ParsedWindow, t: number): { latest: number | undefined; next: number | undefined } {
  let latest = step(w, t + 1, 'prev');
  let next = step(w, t, 'next');
  let s = step(w, t - w.durationMs - DST_MARGIN_MS, 'next');
  for (let i = 0; s !== undefined && i < MAX_STEPS; i++) {
    if (s > t) {
      next = next === undefined ? s : Math.min(next, s);
      break;
    }
    latest = latest === undefined ? s : Math.max(latest, s);
    s = step(w, s, 'next');
  }
  return { latest, next };
}

/**
 * Whether `now` is inside any window, and then when the last open one closes; else when the next one
 * opens (undefined: never). For one window the latest start at or before `now` decides (all its
 * periods last as long).
 */
export function windowState(windows: readonly ParsedWindow[], now: Date): WindowState {
  const t = now.getTime();
  let closesAt: number | undefined;
  let opensAt: number | undefined;
  for (const w of windows) {
    const { latest, next } = around(w, t);
    if (latest !== undefined && t < latest + w.durationMs) {
      closesAt = Math.max(closesAt ?? 0, latest + w.durationMs);
    }
    if (next !== undefined) opensAt = Math.min(opensAt ?? Infinity, next);
  }
  if (closesAt !== undefined) return { open: true, closesAt: new Date(closesAt) };
  return { open: false, opensAt: opensAt === undefined ? undefined : new Date(opensAt) };
}
