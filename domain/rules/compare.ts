// Orders used by the rules. Each is a total order (ties end in a plain string comparison) so the choice
// never depends on the order the registry listed the tags in.
import type { ParsedTag, PreChunk } from './parse.js';

/** Plain code-unit order; the last word of every comparator so that distinct tags never tie. */
export function compareRaw(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Known pre-release words, oldest first. Unknown words rank after them, then compare as text.
const PRE_RANK: Record<string, number> = {
  dev: 0,
  snapshot: 0,
  nightly: 0,
  canary: 0,
  ea: 0,
  a: 1,
  alpha: 1,
  b: 2,
  beta: 2,
  m: 3,
  milestone: 3,
  pre: 3,
  preview: 3,
  c: 4,
  rc: 4,
};

function compareChunk(a: PreChunk, b: PreChunk): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1; // numbers below words, as in semver
  if (typeof b === 'number') return 1;
  const ra = PRE_RANK[a] ?? 5;
  const rb = PRE_RANK[b] ?? 5;
  return ra !== rb ? ra - rb : compareRaw(a, b);
}

/** alpha < beta < rc, and numbers by value (`rc.10` > `rc.9`, which plain semver text order gets wrong). */
export function comparePre(a: readonly PreChunk[], b: readonly PreChunk[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = compareChunk(a[i]!, b[i]!);
    if (d !== 0) return d;
  }
  return a.length - b.length; // `rc` < `rc.1`
}

/**
 * Version order: numbers part by part (missing parts count as 0), then a release above its pre-releases.
 * Returns 0 for equal versions written differently (`1.01` vs `1.1`); callers that need a strict order
 * follow with compareRaw.
 */
export function compareVersion(a: ParsedTag, b: ParsedTag): number {
  const n = Math.max(a.nums.length, b.nums.length);
  for (let i = 0; i < n; i++) {
    const d = (a.nums[i] ?? 0) - (b.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (a.pre === '') return b.pre === '' ? 0 : 1;
  if (b.pre === '') return -1;
  return comparePre(a.preChunks, b.preChunks);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Natural order for any text: runs of digits compare as numbers (`build-10` > `build-9`, leading zeros
 * ignored), other runs as text, a digit run before a text run, and a string that runs out first is lower.
 * Scans in place: ranking 10,000 tags must not allocate per comparison.
 */
export function compareNatural(a: string, b: string): number {
  // Tags that tie on version share long prefixes (`20.11.0-alpine`, `20.11.0-alpine3.18`): skip the common
  // prefix in one tight loop, then compare run by run from the start of the run it ends in (runs before
  // it are identical in both strings, so their boundaries line up).
  const n = Math.min(a.length, b.length);
  let k = 0;
  while (k < n && a.charCodeAt(k) === b.charCodeAt(k)) k++;
  if (k === a.length && k === b.length) return 0;
  if (k > 0) {
    const digitRun = isDigit(a.charCodeAt(k - 1));
    k--;
    while (k > 0 && isDigit(a.charCodeAt(k - 1)) === digitRun) k--;
  }
  let i = k;
  let j = k;
  while (i < a.length && j < b.length) {
    const ad = isDigit(a.charCodeAt(i));
    const bd = isDigit(b.charCodeAt(j));
    if (ad !== bd) return ad ? -1 : 1;
    let i2 = i + 1;
    let j2 = j + 1;
    while (i2 < a.length && isDigit(a.charCodeAt(i2)) === ad) i2++;
    while (j2 < b.length && isDigit(b.charCodeAt(j2)) === bd) j2++;
    if (ad) {
      // Skip leading zeros (keeping one digit), then the longer number is bigger, else the first difference.
      while (i < i2 - 1 && a.charCodeAt(i) === 48) i++;
      while (j < j2 - 1 && b.charCodeAt(j) === 48) j++;
      if (i2 - i !== j2 - j) return i2 - i - (j2 - j);
    }
    const n = Math.min(i2 - i, j2 - j);
    for (let k = 0; k < n; k++) {
      const d = a.charCodeAt(i + k) - b.charCodeAt(j + k);
      if (d !== 0) return d;
    }
    if (i2 - i !== j2 - j) return i2 - i - (j2 - j); // text runs: a prefix is lower
    i = i2;
    j = j2;
  }
  return (a.length - i > 0 ? 1 : 0) - (b.length - j > 0 ? 1 : 0);
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** A `numerical` tag: integer digits (leading zeros dropped) and fraction digits (trailing zeros dropped). */
export interface Decimal {
  int: string;
  frac: string;
}

/** `numerical` domain: plain decimal numbers (`42`, `20240115`, `1.5`); undefined for anything else. */
export function parseDecimal(tag: string): Decimal | undefined {
  const m = DECIMAL.exec(tag);
  if (!m) return undefined;
  return { int: m[1]!.replace(/^0+(?=\d)/, ''), frac: (m[2] ?? '').replace(/0+$/, '') };
}

/** Exact decimal comparison, without float rounding (timestamps such as 20240115093000 can be long). */
export function compareDecimal(a: Decimal, b: Decimal): number {
  if (a.int.length !== b.int.length) return a.int.length - b.int.length;
  // Equal-length integer parts and left-aligned fractions: text order is numeric order.
  return compareRaw(a.int, b.int) || compareRaw(a.frac, b.frac);
}
