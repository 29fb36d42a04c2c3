// Crontab trigger schedules: parsing, with messages the validating webhook can show as they are. The
// next run time of an Image (jitter, tick windows) is the controller's, in controller/triggers/next-run.ts.
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { formatDuration, parseDuration } from './duration.js';

/** Shortest interval between two runs of one schedule: anything shorter only hammers a registry. */
export const MIN_INTERVAL_MS = 10_000;
/** Longest `@every`: beyond a year a schedule is a typo, not a plan. */
export const MAX_EVERY_MS = 366 * 86_400_000;

const FIELD_NAMES = ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const FORMS =
  'write 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, a macro such as @daily, or @every <duration> such as @every 10m';

/** Macros people know from Vixie cron and robfig/cron; cron-parser's extra ones are left out on purpose. */
const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

/** Which part of a trigger was wrong, so the admission webhook can name the field. */
export type ScheduleField = 'value' | 'timezone';

export class ScheduleError extends Error {
  constructor(
    readonly field: ScheduleField,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

export interface CronSchedule {
  readonly kind: 'cron';
  /** What the user wrote. */
  readonly value: string;
  /** Six-field form handed to cron-parser (seconds first). */
  readonly expression: string;
  /** Canonical IANA name; `UTC` when none was given. */
  readonly timezone: string;
  /** `H` fields are hashed per Image (Jenkins style), so the iterator depends on the jitter key. */
  readonly hashed: boolean;
  /** Shared iterator for unhashed expressions: parsing costs more than reset + next. */
  readonly iterator?: CronExpression;
}

export interface EverySchedule {
  readonly kind: 'every';
  readonly value: string;
  readonly intervalMs: number;
}

export type Schedule = CronSchedule | EverySchedule;

/** Canonical IANA name of a time zone (`europe/paris` → `Europe/Paris`), or a ScheduleError. */
export function canonicalTimezone(timezone: string): string {
  try {
    // Node 24's Intl also accepts UTC offsets ("+05:00"); a field documented as an IANA name keeps
    // rejecting them, as on earlier Node versions, so a spec means the same on every supported runtime.
    if (/^[+-]/.test(timezone)) throw new RangeError('a UTC offset is not an IANA time zone');
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    throw new ScheduleError(
      'timezone',
      `unknown time zone "${timezone}": use an IANA name such as Europe/Paris, America/New_York or UTC`,
    );
  }
}

/**
 * Parses a crontab trigger's value: 5 or 6 cron fields (seconds first when 6), a macro (@hourly, @daily,
 * @midnight, @weekly, @monthly, @yearly/@annually) or `@every <duration>`. Throws ScheduleError naming the
 * field (`value` or `timezone`) and what to write instead.
 */
export function parseSchedule(value: string, timezone?: string): Schedule {
  // Parsing with a time zone costs milliseconds; Images mostly share a handful of schedules.
  const cacheKey = `${timezone ?? ''}\n${value}`;
  const cached = parsedSchedules.get(cacheKey);
  if (cached !== undefined) return cached;
  const schedule = parseUncached(value, timezone);
  if (parsedSchedules.size >= PARSED_CACHE_MAX) parsedSchedules.clear();
  parsedSchedules.set(cacheKey, schedule);
  return schedule;
}

const parsedSchedules = new Map<string, Schedule>();
const PARSED_CACHE_MAX = 10_000;

function parseUncached(value: string, timezone: string | undefined): Schedule {
  const text = value.trim();
  if (text === '') throw new ScheduleError('value', `the schedule is empty; ${FORMS}`);

  const every = /^@every(.*)$/is.exec(text);
  if (every) {
    // An interval counts from a fixed instant, so a zone changes nothing; it is still checked, so a typo
    // does not pass silently, and otherwise tolerated (docs/triggers.md, "@every").
    if (timezone !== undefined) canonicalTimezone(timezone);
    return parseEvery(text, (every[1] ?? '').trim());
  }

  const zone = timezone === undefined ? 'UTC' : canonicalTimezone(timezone);
  let expression: string;
  if (text.startsWith('@')) {
    const macro = MACROS[text.toLowerCase()];
    if (macro === undefined) {
      throw new ScheduleError(
        'value',
        `unknown schedule macro "${text}": use one of ${Object.keys(MACROS).join(', ')}, or @every <duration>`,
      );
    }
    expression = macro;
  } else {
    const fields = text.split(/\s+/);
    if (fields.length !== 5 && fields.length !== 6) {
      throw new ScheduleError('value', `schedule "${text}" has ${fields.length} field(s); ${FORMS}`);
    }
    expression = (fields.length === 5 ? ['0', ...fields] : fields).join(' ');
  }

  // `H` alone (not inside THU) is cron-parser's hashed value.
  const hashed = /(?<![A-Za-z])H(?![A-Za-z])/.test(expression);
  let iterator: CronExpression;
  try {
    iterator = CronExpressionParser.parse(expression, { tz: zone, hashSeed: 'validation' });
  } catch (err) {
    throw new ScheduleError('value', `schedule "${text}": ${explainCronError(expression, err)}`);
  }
  checkInterval(text, expression, iterator);
  return {
    kind: 'cron',
    value: text,
    expression,
    timezone: zone,
    hashed,
    ...(hashed ? {} : { iterator }),
  };
}

function parseEvery(text: string, durationText: string): EverySchedule {
  if (durationText.trim() === '') {
    throw new ScheduleError('value', `"${text}" needs a duration, e.g. @every 10m or @every 1h30m`);
  }
  let intervalMs: number;
  try {
    intervalMs = parseDuration(durationText);
  } catch (err) {
    throw new ScheduleError('value', `schedule "${text}": ${(err as Error).message}`);
  }
  if (intervalMs < MIN_INTERVAL_MS) {
    throw new ScheduleError(
      'value',
      `schedule "${text}" is shorter than the minimum interval of ${formatDuration(MIN_INTERVAL_MS)}`,
    );
  }
  if (intervalMs > MAX_EVERY_MS) {
    throw new ScheduleError(
      'value',
      `schedule "${text}" is longer than the maximum of ${formatDuration(MAX_EVERY_MS)}; use a cron expression such as "0 0 1 1 *" for yearly runs`,
    );
  }
  return { kind: 'every', value: text, intervalMs };
}

/** cron-parser's messages lack the field name; find the field by parsing each one alone. */
function explainCronError(expression: string, err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  if (/explicit day of month/i.test(raw)) {
    return 'the day-of-month never occurs in the chosen month(s) (such as 30 February), so it would never run';
  }
  const fields = expression.split(' ');
  for (const [i, field] of fields.entries()) {
    const probe = ['0', '*', '*', '*', '*', '*'];
    probe[i] = field;
    try {
      CronExpressionParser.parse(probe.join(' '), { hashSeed: 'validation' });
    } catch (fieldErr) {
      const message = fieldErr instanceof Error ? fieldErr.message : String(fieldErr);
      return `the ${FIELD_NAMES[i] ?? 'unknown'} field "${field}" is not valid: ${tidy(message)}`;
    }
  }
  return tidy(raw);
}

function tidy(message: string): string {
  return message
    .replace(/^(Constraint|Validation) error,\s*/i, '')
    .replace(/got value (\S+) expected range/, 'got $1, expected a value in')
    .replace(/cannot resolve alias "(\w+)"/, 'unknown name "$1" (use e.g. JAN or MON)');
}

/**
 * Rejects schedules that run more often than MIN_INTERVAL_MS. Only a seconds field with several values can;
 * the pattern within a minute repeats, so the gaps among the first runs show the shortest one.
 */
function checkInterval(text: string, expression: string, iterator: CronExpression): void {
  if (/^\d+$/.test(expression.split(' ')[0] ?? '')) return;
  iterator.reset(new Date(Date.UTC(2025, 0, 1)));
  let previous = iterator.next().getTime();
  for (let i = 0; i < 128 && iterator.hasNext(); i++) {
    const current = iterator.next().getTime();
    if (current - previous < MIN_INTERVAL_MS) {
      throw new ScheduleError(
        'value',
        `schedule "${text}" runs every ${formatDuration(current - previous)} at times; the minimum interval is ${formatDuration(MIN_INTERVAL_MS)} (e.g. "*/10 * * * * *" or @every 10s)`,
      );
    }
    previous = current;
  }
}
