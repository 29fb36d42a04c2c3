// The one place user-written regular expressions (rule `regex` values, tagFilter include/exclude) are
// compiled and run: admission, the controller and the CLI all come through here.
//
// They run on re2js, a JavaScript port of RE2: matching is linear in the tag length times the size of
// the compiled program, never exponential, so `^(a+)+$` costs microseconds where V8's backtracking
// engine took minutes. The syntax is RE2's (what Flux and Argo CD Image Updater accept through Go):
// no backreferences, no lookaround, no possessive quantifiers; named groups as `(?P<n>…)` or `(?<n>…)`.
//
// Work per decision is bounded three ways (docs/rules.md, "Cost"):
// - a pattern compiles to at most MAX_PROGRAM_SIZE instructions (admission rejects larger ones);
// - a tag longer than MAX_TAG_LENGTH is never matched (no registry can hold it: OCI tags are ≤ 128);
// - one MatchBudget per decision (the controller gives each Image check one, with its clock) stops
//   matching after `limitMs`, with a RuleError.
// So one match costs at most MAX_PROGRAM_SIZE × (MAX_TAG_LENGTH + 2) RE2 steps, and a decision at most
// its budget plus one match plus CLOCK_EVERY_STEPS (the clock is read once per that many steps).
import { RE2JS } from 're2js';
import { RuleError } from './errors.js';

/** Largest compiled program accepted. `[0-9a-f]{7,40}` is 77; `\d{1,1000}` is 2003. */
export const MAX_PROGRAM_SIZE = 1_000;
/** OCI distribution: a tag is at most 128 characters. */
export const MAX_TAG_LENGTH = 128;
/**
 * Matching time allowed per decision (all rules and filters of one Image check together). Warm, re2js
 * takes about 1 µs per match, so 10,000 tags need ~10 ms per pattern; the first decision after a start
 * runs cold (up to 30 µs per match on a loaded machine), which is why this is not smaller.
 */
export const DEFAULT_BUDGET_MS = 1_000;
/** Estimated RE2 steps between two clock reads; bounds how far a decision runs past its budget. */
const CLOCK_EVERY_STEPS = 20_000;

export const RE2_HINT = 'RE2 syntax: no backreferences or lookaround; see docs/rules.md';

/** Limits matching time for one decision. Pure: the caller gives the clock (domain/ has none). */
export class MatchBudget {
  private readonly deadline: number;
  private sinceClock = 0;
  /** Matches run so far, for the error message. */
  matches = 0;

  constructor(
    readonly limitMs: number,
    private readonly now: () => number,
  ) {
    this.deadline = now() + limitMs;
  }

  /** Counts one match of estimated cost `steps`; throws RuleError naming `field` once over budget. */
  charge(steps: number, field: string, source: string): void {
    this.matches++;
    this.sinceClock += steps;
    if (this.sinceClock < CLOCK_EVERY_STEPS) return;
    this.sinceClock = 0;
    if (this.now() <= this.deadline) return;
    throw new RuleError(
      field,
      `regular expressions took more than ${this.limitMs} ms for this tag list (${this.matches} matches, ` +
        `stopped at ${JSON.stringify(source)}); simplify the pattern (fewer counted repeats and ` +
        'alternatives) or narrow tagFilter.include',
    );
  }
}

/** A compiled user pattern. `field` names it in errors; the compiled program is shared through the cache. */
export class UserPattern {
  /** Named capture groups, e.g. `version`. */
  readonly groups: ReadonlySet<string>;
  private readonly stepsPerChar: number;

  constructor(
    readonly source: string,
    readonly field: string,
    private readonly re: RE2JS,
  ) {
    this.groups = new Set(Object.keys(re.namedGroups()));
    this.stepsPerChar = re.programSize();
  }

  private charge(tag: string, budget: MatchBudget | undefined): boolean {
    if (tag.length > MAX_TAG_LENGTH) return false;
    budget?.charge(this.stepsPerChar * (tag.length + 2), this.field, this.source);
    return true;
  }

  test(tag: string, budget?: MatchBudget): boolean {
    return this.charge(tag, budget) && this.re.test(tag);
  }

  /** Named groups of the first match, or undefined when `tag` does not match. */
  match(tag: string, budget?: MatchBudget): Record<string, string | undefined> | undefined {
    // The DFA answers "no" several times faster than a capturing match: capture only what matched.
    if (!this.charge(tag, budget) || !this.re.test(tag)) return undefined;
    if (this.groups.size === 0) return {};
    const m = this.re.exec(tag) as (string[] & { groups?: Record<string, string> }) | null;
    if (!m) return undefined;
    return { ...m.groups };
  }
}

type Compiled = { re: RE2JS } | { reason: string };

/** Compiled programs by source; patterns come from a bounded set of specs, so this stays small. */
const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 1_000;

function reasonOf(err: unknown): string {
  // re2js says `error parsing regexp: invalid or unsupported Perl syntax: \`(?=\``; keep the part after it.
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^error parsing regexp: /, '');
}

function compileSource(source: string): Compiled {
  let hit = cache.get(source);
  if (hit) return hit;
  try {
    const re = RE2JS.compile(source);
    const size = re.programSize();
    hit =
      size > MAX_PROGRAM_SIZE
        ? {
            reason:
              `compiles to ${size} RE2 instructions, more than the ${MAX_PROGRAM_SIZE} allowed ` +
              '(large counted repeats such as {1,1000} cost the most; use + or * instead)',
          }
        : { re };
  } catch (err) {
    hit = { reason: `${reasonOf(err)}; ${RE2_HINT}` };
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(source, hit);
  return hit;
}

/**
 * Compiles a user pattern, or throws RuleError naming `field`. `anchored` makes it match whole tags only
 * (the regex rule); filters search anywhere in the tag, as users expect from grep.
 */
export function compilePattern(field: string, source: string, anchored: boolean): UserPattern {
  // The source must stand on its own, so that `a)|(b` cannot escape the anchoring group.
  const alone = compileSource(source);
  const compiled = anchored && 're' in alone ? compileSource(`^(?:${source})$`) : alone;
  if ('reason' in compiled) {
    throw new RuleError(field, `invalid regular expression ${JSON.stringify(source)}: ${compiled.reason}`);
  }
  return new UserPattern(source, field, compiled.re);
}
