// Calendar versions: YYYY[.MM[.DD]] (`2024.01.15`, `2024.1`) or YY.MM[.MICRO] (Ubuntu `24.04`, `24.04.1`).
// They parse like any version tag; this file only decides whether a parsed tag is one, and what the
// calver rules bound on (year, then year.month).
import type { ParsedTag } from './parse.js';

export interface CalverInfo {
  /** 4 for YYYY, 2 for YY: part of the calver shape so `24.04` never moves to `2024.10`. */
  yearWidth: 2 | 4;
}

/** Calendar version check; `undefined` when the tag's numbers are not a plausible date. */
export function calverOf(t: ParsedTag): CalverInfo | undefined {
  const [year = 0, month] = t.nums;
  let yearWidth: 2 | 4;
  if (t.width === 4 && year >= 1970 && year <= 2999) yearWidth = 4;
  // A lone two-digit number is just a major version; YY needs a month to look like a date.
  else if (t.width === 2 && month !== undefined) yearWidth = 2;
  else return undefined;
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  // The third part is a day (2024.01.15) or a patch counter (Home Assistant's 2024.1.0): any number.
  return { yearWidth };
}

/** Years that look like calendar versions (used to keep semver-major from jumping from 3.x to 2024.1). */
export function yearLike(t: ParsedTag): boolean {
  const y = t.nums[0] ?? 0;
  return t.width === 4 && y >= 1970 && y <= 2999;
}
