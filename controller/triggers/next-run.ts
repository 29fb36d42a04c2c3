// The next run time of an Image with a crontab trigger, jitter included. Pure functions of their inputs:
// the scheduler and the tests pass the clock in. Parsing is in domain/schedule/parse.ts.
import { createHash } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import type { CronSchedule, Schedule } from '../../domain/schedule/parse.js';

/** Default upper bound of the per-Image delay added to each tick. */
export const DEFAULT_MAX_JITTER_MS = 5_000;

/** Where in [0, 1) an Image's jitter falls: stable across restarts and replicas, spread across Images. */
export function jitterFraction(jitterKey: string): number {
  const digest = createHash('sha256').update(jitterKey).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * Delay added to a tick: `fraction` of the smaller of maxJitterMs and half the gap to the next tick, so a
 * jittered run never reaches the next tick and runs stay in order.
 */
export function jitterFor(fraction: number, gapMs: number, maxJitterMs: number): number {
  const bound = Math.max(0, Math.min(maxJitterMs, gapMs / 2));
  return Math.floor(fraction * bound);
}

/** The ticks around an instant: the latest at or before it, the first after it, and the one after that. */
interface TickWindow {
  previous: number | undefined;
  next: number | undefined;
  following: number | undefined;
}

/**
 * Windows of unhashed cron schedules, shared by every Image on the same expression and zone: cron-parser
 * needs tens to hundreds of microseconds per step, and a thousand Images on "0 * * * *" all ask about the
 * same hour. Valid for any instant in [previous, next).
 */
const windows = new Map<string, TickWindow>();
const WINDOW_CACHE_MAX = 10_000;

function cronWindow(schedule: CronSchedule, now: number, jitterKey: string): TickWindow {
  const cacheKey = schedule.hashed ? undefined : `${schedule.timezone} ${schedule.expression}`;
  const cached = cacheKey === undefined ? undefined : windows.get(cacheKey);
  if (cached && (cached.previous ?? -Infinity) <= now && (cached.next === undefined || now < cached.next)) {
    return cached;
  }
  const iterator =
    schedule.iterator ??
    CronExpressionParser.parse(schedule.expression, { tz: schedule.timezone, hashSeed: jitterKey });
  // cron-parser's prev() and next() are both strict, and throw when there is none.
  const step = (from: number, direction: 'prev' | 'next'): number | undefined => {
    try {
      iterator.reset(new Date(from));
      return iterator[direction]().getTime();
    } catch {
      return undefined;
    }
  };
  const previous = step(now + 1, 'prev');
  const next = step(now, 'next');
  const following = next === undefined ? undefined : step(next, 'next');
  const window = { previous, next, following };
  if (cacheKey !== undefined) {
    if (windows.size >= WINDOW_CACHE_MAX) windows.clear();
    windows.set(cacheKey, window);
  }
  return window;
}

function tickWindow(schedule: Schedule, now: number, jitterKey: string): TickWindow {
  if (schedule.kind === 'cron') return cronWindow(schedule, now, jitterKey);
  // Anchored at the Unix epoch rather than at start-up: a controller restart must not move, and a
  // restart loop must not starve, an Image's runs.
  const step = schedule.intervalMs;
  const previous = Math.floor(now / step) * step;
  return { previous, next: previous + step, following: previous + 2 * step };
}

/**
 * When an Image with this schedule should next be evaluated, strictly after `after`: the next tick plus
 * the Image's jitter (from `jitterKey`, e.g. `namespace/name`). A tick at or before `after` whose jittered
 * time is still ahead is the answer. Throws only when the schedule has no future run.
 */
export function nextRun(
  schedule: Schedule,
  after: Date,
  jitterKey: string,
  maxJitterMs: number = DEFAULT_MAX_JITTER_MS,
): Date {
  const now = after.getTime();
  const fraction = jitterFraction(jitterKey);
  const { previous, next, following } = tickWindow(schedule, now, jitterKey);
  // Only the latest past tick can still be pending: an earlier one's jitter is under half its gap.
  if (previous !== undefined) {
    const at = previous + jitterFor(fraction, next === undefined ? Infinity : next - previous, maxJitterMs);
    if (at > now) return new Date(at);
  }
  if (next === undefined) throw new Error(`schedule "${schedule.value}" has no future run`);
  return new Date(
    next + jitterFor(fraction, following === undefined ? Infinity : following - next, maxJitterMs),
  );
}
