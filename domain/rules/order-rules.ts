// regex, alphabetical, numerical and always: rules that order tags without the version shape defaults.
// The pattern or order *is* the user's statement of what qualifies, so shape and pre-release defaults do
// not apply (docs/rules.md says so); include/exclude and "never go backwards" still do.
import { compareDecimal, compareNatural, compareRaw, compareVersion, parseDecimal } from './compare.js';
import type { Decimal } from './compare.js';
import { decide } from './decision.js';
import type { Funnel } from './funnel.js';
import type { MatchBudget } from './pattern.js';
import { parseTag } from './parse.js';
import type { ParsedTag } from './parse.js';
import type { Decision } from './types.js';
import type { CompiledRule } from './validate.js';

/** Version-aware natural order key: versions (any shape) above other text, natural order among the rest. */
interface Key {
  tag: string;
  /** The version group's text (regex), else the tag. */
  text: string;
  v: ParsedTag | undefined;
}

function keyOf(tag: string, text: string): Key {
  return { tag, text, v: parseTag(text) };
}

export const NATURAL_ORDER =
  'version-aware natural order: version tags above other tags, by version; other tags with numbers compared as numbers';

/**
 * "Newer" for these rules: the key, then the whole tag in natural order (so `1.25.3-debian-12-r6` beats
 * `-r5` when the version group matched only `1.25.3`). Equal spellings (`1.01`, `1.1`) are not newer.
 */
function newerOrder(a: Key, b: Key): number {
  let d: number;
  if (a.v && b.v) d = compareVersion(a.v, b.v);
  else if (a.v || b.v) d = a.v ? 1 : -1;
  else d = compareNatural(a.text, b.text);
  return d || compareNatural(a.tag, b.tag);
}

/** Ranking: newerOrder, then text order so that distinct tags never tie. */
function byKey(a: Key, b: Key): number {
  return newerOrder(a, b) || compareRaw(a.tag, b.tag);
}

type OrderedRule = Extract<CompiledRule, { type: 'alphabetical' | 'numerical' }>;

interface Common {
  current: string;
  total: number;
  start: Funnel<string>;
  digests: Readonly<Record<string, string>> | undefined;
  budget: MatchBudget | undefined;
}

export function resolveRegex(rule: Extract<CompiledRule, { type: 'regex' }>, c: Common): Decision {
  const { pattern, versionGroup, value } = rule;
  const keyFor = (tag: string): Key | undefined => {
    const groups = pattern.match(tag, c.budget);
    if (!groups) return undefined;
    return keyOf(tag, versionGroup ? (groups['version'] ?? '') : tag);
  };
  let f = c.start.keepMap('pattern', `fully matches ${value}`, keyFor);
  const cur = keyFor(c.current);
  if (cur) f = f.keep('not-newer', `newer than ${c.current}`, (x) => newerOrder(x, cur) > 0);
  else f.note('not-newer', `${c.current} does not match the pattern, so every match qualifies`);
  return decide({
    rule: 'regex',
    current: c.current,
    total: c.total,
    funnel: f,
    compare: byKey,
    order: versionGroup ? `by the named group "version", ${NATURAL_ORDER}` : NATURAL_ORDER,
    scope: `matching ${value}`,
    digests: c.digests,
  });
}

export function resolveAlways(c: Common): Decision {
  const cur = keyOf(c.current, c.current);
  const f = c.start
    .keepMap('parse', 'every tag', (x) => keyOf(x, x))
    .keep('not-newer', `newer than ${c.current}`, (x) => newerOrder(x, cur) > 0);
  return decide({
    rule: 'always',
    current: c.current,
    total: c.total,
    funnel: f,
    compare: byKey,
    order: NATURAL_ORDER,
    scope: '',
    digests: c.digests,
  });
}

export function resolveAlphabetical(rule: OrderedRule, c: Common): Decision {
  const sign = rule.descending ? -1 : 1;
  const cmp = (a: { tag: string }, b: { tag: string }) => sign * compareRaw(a.tag, b.tag);
  const f = c.start.keepMap(
    'not-newer',
    `${rule.descending ? 'before' : 'after'} ${c.current} in ${rule.descending ? 'descending' : 'ascending'} text order`,
    (x) => (sign * compareRaw(x, c.current) > 0 ? { tag: x } : undefined),
  );
  return decide({
    rule: 'alphabetical',
    current: c.current,
    total: c.total,
    funnel: f,
    compare: cmp,
    order: `text order (character codes), ${rule.descending ? 'lowest' : 'highest'} wins`,
    scope: rule.descending ? 'descending order' : '',
    digests: c.digests,
  });
}

interface NumEntry {
  tag: string;
  d: Decimal;
}

export function resolveNumerical(rule: OrderedRule, c: Common): Decision {
  const sign = rule.descending ? -1 : 1;
  const byValue = (a: NumEntry, b: NumEntry) => sign * compareDecimal(a.d, b.d);
  // `1.0` and `1` are the same number: never "newer" than each other, but still ranked apart.
  const cmp = (a: NumEntry, b: NumEntry) => byValue(a, b) || sign * compareRaw(a.tag, b.tag);
  let f = c.start.keepMap('not-a-number', 'decimal numbers only (42, 1.5, 20240115)', (x) => {
    const d = parseDecimal(x);
    return d ? { tag: x, d } : undefined;
  });
  const curD = parseDecimal(c.current);
  if (curD) {
    const cur = { tag: c.current, d: curD };
    f = f.keep(
      'not-newer',
      `${rule.descending ? 'below' : 'above'} ${c.current}`,
      (x) => byValue(x, cur) > 0,
    );
  } else {
    f.note('not-newer', `${c.current} is not a number, so every number qualifies`);
  }
  return decide({
    rule: 'numerical',
    current: c.current,
    total: c.total,
    funnel: f,
    compare: cmp,
    order: `numeric order, ${rule.descending ? 'lowest' : 'highest'} wins`,
    scope: rule.descending ? 'descending order' : '',
    digests: c.digests,
  });
}
