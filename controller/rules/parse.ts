// Docker-style version tags: optional `v`, 1–3 numeric parts, an optional pre-release and an optional
// variant. Every rule parses each tag once through here, so this file is the single definition of what
// "a version tag" means (docs/rules.md mirrors it).

/** One pre-release token: a lower-cased word or a number (`rc.10` -> ['rc', 10]). */
export type PreChunk = string | number;

export interface ParsedTag {
  raw: string;
  /** `v`, `V` or empty: part of the shape, so `v1.2.3` never moves to `1.2.4`. */
  prefix: string;
  /** 1 to 3 numbers. */
  nums: number[];
  /** Digits as written, e.g. `04` for Ubuntu-style `24.04` (calendar rules look at the year's width). */
  numText: string[];
  /** Pre-release as written (`rc.1`, `beta2`, `ea-13`), empty for a release. */
  pre: string;
  preChunks: PreChunk[];
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
const TAG = new RegExp(
  String.raw`^([vV]?)(\d{1,15})(?:\.(\d{1,15}))?(?:\.(\d{1,15}))?(${PRE_WORD})?(?:-([A-Za-z0-9_.-]+))?$`,
  'i',
);
// Commit ids (`3f2c1ab`, full sha1/sha256 hex) can start with a digit and even parse; they are not versions.
const HEX_ID = /^[0-9a-f]{7,64}$/i;
const HAS_HEX_LETTER = /[a-f]/i;

/** Parse a Docker-style version tag; `undefined` when the tag is not a version (`latest`, `sha-…`, hashes). */
export function parseTag(raw: string): ParsedTag | undefined {
  const m = TAG.exec(raw);
  if (!m) return undefined;
  const body = m[1] ? raw.slice(1) : raw;
  if (HEX_ID.test(body) && HAS_HEX_LETTER.test(body)) return undefined;

  const numText = [m[2], m[3], m[4]].filter((s): s is string => s !== undefined);
  const preParts: string[] = m[5] ? [m[5]] : [];
  const variantParts: string[] = [];
  if (m[6] !== undefined) {
    // A dash suffix mixes pre-release and variant segments in either order (`rc1-alpine`, `ea-13-jdk-slim`).
    // Plain numbers right after a pre-release word belong to it (`alpha-1`, `ea-13`).
    let inPre = false;
    for (const seg of m[6].split('-')) {
      if (PRE_SEGMENT.test(seg) || (inPre && NUMERIC_SEGMENT.test(seg))) {
        preParts.push(seg);
        inPre = true;
      } else {
        variantParts.push(seg);
        inPre = false;
      }
    }
  }
  const pre = preParts.join('-');
  return {
    raw,
    prefix: m[1] ?? '',
    nums: numText.map(Number),
    numText,
    pre,
    preChunks: pre === '' ? [] : preChunks(pre),
    variant: variantParts.join('-'),
  };
}

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

export function sameShape(a: ParsedTag, b: ParsedTag): boolean {
  return a.prefix === b.prefix && a.nums.length === b.nums.length && a.variant === b.variant;
}
