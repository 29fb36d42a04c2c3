// Durations as people write them in `@every 1h30m` and in flags: whole numbers of days, hours, minutes and
// seconds, largest unit first. Go's time.ParseDuration (what robfig/cron's @every uses) has no `d` and
// takes fractions; whole units with `d` read better in a YAML file and cannot hide rounding.

const UNITS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
type Unit = keyof typeof UNITS;
const ORDER: readonly Unit[] = ['d', 'h', 'm', 's'];

/** Parses `90s`, `10m`, `1h30m`, `2d` into milliseconds; throws an Error saying what is wrong otherwise. */
export function parseDuration(text: string): number {
  const input = text.trim();
  if (input === '') throw new Error('the duration is empty; write e.g. 30s, 10m, 1h30m or 1d');
  const parts = [...input.matchAll(/(\d+)([a-zA-Z]+)|(.)/g)];
  let total = 0;
  let lastIndex = -1;
  for (const [, amount, unit, stray] of parts) {
    if (stray !== undefined || amount === undefined || unit === undefined) {
      if (/^\d+(\.\d+)?$/.test(input)) {
        throw new Error(`duration "${input}" has no unit; add one of d, h, m, s (e.g. ${input}s)`);
      }
      if (/\d\.\d/.test(input)) {
        throw new Error(`duration "${input}" has a fraction; use whole units instead (e.g. 1h30m, not 1.5h)`);
      }
      throw new Error(
        `duration "${input}" is not valid; write whole numbers with units d, h, m, s, e.g. 1h30m`,
      );
    }
    const u = unit.toLowerCase();
    if (!(u in UNITS)) {
      throw new Error(`duration "${input}" uses the unit "${unit}"; only d, h, m and s are supported`);
    }
    const index = ORDER.indexOf(u as Unit);
    if (index <= lastIndex) {
      throw new Error(
        `duration "${input}" repeats or misorders units; write the largest unit first, e.g. 1h30m`,
      );
    }
    lastIndex = index;
    total += Number(amount) * UNITS[u as Unit];
  }
  if (!Number.isSafeInteger(total)) throw new Error(`duration "${input}" is too large`);
  return total;
}

/** `5400000` → `1h30m`; `0` → `0s`. Sub-second remainders are shown as milliseconds. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const unit of ORDER) {
    const n = Math.floor(rest / UNITS[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * UNITS[unit];
  }
  return out;
}
