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

const NATURAL_CHUNK = /\d+|\D+/g;

function compareDigits(a: string, b: string): number {
  // Arbitrary length, exact: strip leading zeros, then longer is bigger, then text order.
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  return x.length !== y.length ? x.length - y.length : compareRaw(x, y);
}

/** Natural order for any text: digit runs compare as numbers (`build-10` > `build-9`), the rest as text. */
export function compareNatural(a: string, b: string): number {
  const xs = a.match(NATURAL_CHUNK) ?? [];
  const ys = b.match(NATURAL_CHUNK) ?? [];
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    const xd = x.charCodeAt(0) <= 57 && x.charCodeAt(0) >= 48;
    const yd = y.charCodeAt(0) <= 57 && y.charCodeAt(0) >= 48;
    let d: number;
    if (xd && yd) d = compareDigits(x, y);
    else if (xd !== yd) d = xd ? -1 : 1;
    else d = compareRaw(x, y);
    if (d !== 0) return d;
  }
  return xs.length - ys.length;
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
