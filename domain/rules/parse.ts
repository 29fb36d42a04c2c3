// Docker-style version tags: optional `v`, 1–3 numeric parts, an optional pre-release and an optional
// variant. Every rule parses each tag once through here, so this file is the single definition of what
// "a version tag" means (docs/rules.md mirrors it).

/** One pre-release token: a lower-cased word or a number (`rc.10` -> ['rc', 10]). */
export type PreChunk = string | number;

export interface ParsedTag {
  tag: string;
  /** `v`, `V` or empty: part of the shape, so `v1.2.3` never moves to `1.2.4`. */
  prefix: string;
  /** 1 to 3 numbers. */
  nums: readonly number[];
  /** Digits in the first number as written (calendar rules tell `2024` from `24` by it). */
  width: number;
  /** Pre-release as written (`rc.1`, `beta2`, `ea-13`), empty for a release. */
  pre: string;
  preChunks: readonly PreChunk[];
  /** The variant as written (`alpine`, `bookworm-slim`, `alpine3.19`), empty for none. Part of the shape. */
  variant: string;
}

// Pre-release words that may follow a dash (`1.3.0-rc.1`, `22-ea-13`) or stick to the numbers
// (`17rc1`, `3.13.0a1`, `18beta1`). Single letters and `dev` need digits: `a1`/`b2`/`c1` are Python's
// alpha/beta/rc, while a bare `-dev` is a common *variant* (images with build tools), not a pre-release.
const PRE_WORD = String.raw`(?:(?:alpha|beta|rc|pre|preview|canary|nightly|snapshot|milestone|ea)(?:\.?\d+)*|(?:a|b|c|m|dev)\.?\d+(?:\.\d+)*)`;
const PRE_SEGMENT = new RegExp(`^${PRE_WORD}$`, 'i');
const NUMERIC_SEGMENT = /^\d+(?:\.\d+)*$/;
// Numbers are capped at 15 digits so they stay exact as JavaScript numbers; longer ones are ids, not versions.
// Group 5 is whatever letters stick to the numbers (`rc1` in `17rc1`); it must be a pre-release word.
const TAG =
  /^([vV]?)(\d{1,15})(?:\.(\d{1,15}))?(?:\.(\d{1,15}))?([A-Za-z][A-Za-z0-9.]*)?(?:-([A-Za-z0-9_.-]+))?$/;
// Commit ids (`3f2c1ab`, full sha1/sha256 hex) can start with a digit and even parse; they are not versions.
const HEX_ID = /^[0-9a-f]{7,64}$/i;
const HAS_HEX_LETTER = /[a-f]/i;

interface Suffix {
  pre: string;
  variant: string;
}

// Registries repeat a handful of suffixes thousands of times (`alpine`, `bookworm-slim`); splitting each
// distinct one once keeps a 10,000-tag decision in the low milliseconds. Bounded, and pure: same input,
// same output, so it cannot change a decision.
const suffixMemo = new Map<string, Suffix>();
const SUFFIX_MEMO_LIMIT = 4096;

function splitSuffix(suffix: string): Suffix {
  let hit = suffixMemo.get(suffix);
  if (hit) return hit;
  // A dash suffix mixes pre-release and variant segments in either order (`rc1-alpine`, `ea-13-jdk-slim`).
  // Plain numbers right after a pre-release word belong to it (`alpha-1`, `ea-13`).
  const pre: string[] = [];
  const variant: string[] = [];
  let inPre = false;
  for (const seg of suffix.split('-')) {
    if (PRE_SEGMENT.test(seg) || (inPre && NUMERIC_SEGMENT.test(seg))) {
      pre.push(seg);
      inPre = true;
    } else {
      variant.push(seg);
      inPre = false;
    }
  }
  hit = { pre: pre.join('-'), variant: variant.join('-') };
  if (suffixMemo.size >= SUFFIX_MEMO_LIMIT) suffixMemo.clear();
  suffixMemo.set(suffix, hit);
  return hit;
}

/** Parse a Docker-style version tag; `undefined` when the tag is not a version (`latest`, `sha-…`, hashes). */
export function parseTag(raw: string): ParsedTag | undefined {
  // Cheap first look: a version starts with a digit, or v/V then a digit. Most non-versions stop here.
  let first = raw.charCodeAt(0);
  if (first === 118 || first === 86) first = raw.charCodeAt(1);
  if (!(first >= 48 && first <= 57)) return undefined;
  const m = TAG.exec(raw);
  if (!m) return undefined;
  const glued = m[5];
  if (glued !== undefined && !PRE_SEGMENT.test(glued)) return undefined;
  if (glued !== undefined) {
    // Only glued letters can make an all-hex body (digits alone are a version; a dash is not hex).
    const body = m[1] ? raw.slice(1) : raw;
    if (body.length >= 7 && HEX_ID.test(body) && HAS_HEX_LETTER.test(body)) return undefined;
  }

  const a = m[2]!;
  const b = m[3];
  const c3 = m[4];
  const nums = c3 !== undefined ? [+a, +b!, +c3] : b !== undefined ? [+a, +b] : [+a];
  let pre = glued ?? '';
  let variant = '';
  if (m[6] !== undefined) {
    const split = splitSuffix(m[6]);
    if (split.pre !== '') pre = pre === '' ? split.pre : `${pre}-${split.pre}`;
    variant = split.variant;
  }
  return {
    tag: raw,
    prefix: m[1]!,
    nums,
    width: a.length,
    pre,
    preChunks: pre === '' ? NO_CHUNKS : preChunks(pre),
    variant,
  };
}

const NO_CHUNKS: readonly PreChunk[] = Object.freeze([]);

const CHUNK = /\d+|[a-z]+/gi;

/** `rc.10` -> ['rc', 10]; `beta2` -> ['beta', 2]. Separators carry no meaning (`rc1` equals `rc.1`). */
export function preChunks(pre: string): PreChunk[] {
  const out: PreChunk[] = [];
  for (const m of pre.matchAll(CHUNK)) {
    const s = m[0];
    out.push(s.charCodeAt(0) <= 57 ? Number(s) : s.toLowerCase());
  }
  return out;
}

/** `N.N.N-alpine`, `vN.N`: what "same shape" compares, written for people. */
export function shapeOf(t: ParsedTag): string {
  const nums = t.nums.map(() => 'N').join('.');
  return `${t.prefix}${nums}${t.variant ? `-${t.variant}` : ''}`;
}

/** The numbers as written, for messages: `24.04` stays `24.04` (nums would say 24.4). */
export function writtenNumbers(t: ParsedTag): string[] {
  return (/^\d+(?:\.\d+){0,2}/.exec(t.tag.slice(t.prefix.length))?.[0] ?? '').split('.');
}

export function sameShape(a: ParsedTag, b: ParsedTag): boolean {
  return a.prefix === b.prefix && a.nums.length === b.nums.length && a.variant === b.variant;
}
