// Crontab trigger schedules (DESIGN §5) as admission checks them: 5 fields, 6 with seconds first, a
// cron-parser macro (@hourly, @daily, …) or `@every <duration>`, in an optional IANA time zone.
// CEL cannot parse cron or know time zones, so this is the validating webhook's job.
import { CronExpressionParser } from 'cron-parser';

/** The macros cron-parser 5 expands (its PredefinedExpressions, which the package does not export). */
export const SCHEDULE_MACROS = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@hourly',
  '@minutely',
  '@secondly',
  '@weekdays',
  '@weekends',
] as const;

export type Schedule = { kind: 'cron'; expression: string } | { kind: 'every'; everyMs: number };

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000 };
const DURATION_RE = /^(?:\d+(?:\.\d+)?[hms])+$/;
/** Shorter intervals would hammer registries; the controller adds jitter on top. */
export const MIN_EVERY_MS = 1_000;

/** `1h30m`, `10m`, `90s`, `1.5h`: Go's duration syntax restricted to h, m and s. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)([hms])/g)) {
    ms += Number(amount) * UNIT_MS[unit!]!;
  }
  return ms;
}

/** Whether Intl (the ICU data Node ships) knows this IANA zone; `UTC` is always known. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The parsed schedule, or an Error whose message says what is wrong and how to write it. */
export function parseSchedule(value: string, timezone?: string): Schedule {
  if (timezone !== undefined && !isTimeZone(timezone)) {
    throw new Error(
      `unknown time zone ${JSON.stringify(timezone)}; use an IANA name such as Europe/Paris or UTC`,
    );
  }
  const text = value.trim();
  if (text.startsWith('@every')) {
    const arg = text.slice('@every'.length).trim();
    const everyMs = parseDuration(arg);
    if (everyMs === undefined) {
      throw new Error(
        `invalid interval ${JSON.stringify(arg)} in ${JSON.stringify(value)}; write @every followed by a duration such as 10m, 1h30m or 90s`,
      );
    }
    if (everyMs < MIN_EVERY_MS) throw new Error(`@every interval ${JSON.stringify(arg)} is shorter than 1s`);
    return { kind: 'every', everyMs };
  }
  if (text.startsWith('@')) {
    if (!(SCHEDULE_MACROS as readonly string[]).includes(text)) {
      const known = [...SCHEDULE_MACROS, '@every <duration>'].join(', ');
      throw new Error(`unknown schedule macro ${JSON.stringify(value)}; use one of ${known}`);
    }
  } else {
    const fields = text.split(/\s+/).filter(Boolean).length;
    if (fields !== 5 && fields !== 6) {
      throw new Error(
        `invalid cron expression ${JSON.stringify(value)}: it has ${fields} fields; write 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`,
      );
    }
  }
  try {
    const parsed = CronExpressionParser.parse(text, { tz: timezone ?? 'UTC', strict: false });
    // Expressions such as `0 0 30 2 *` parse but never fire; cron-parser finds out on the first step.
    parsed.next();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`invalid cron expression ${JSON.stringify(value)}: ${reason}`);
  }
  return { kind: 'cron', expression: text };
}
