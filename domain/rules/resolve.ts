// The rule engine's entry point: one pure function from (rule, current tag, tag list) to a Decision.
// The controller calls it for each rule of an Image in order; the CLI's `tagpilot resolve` calls it by hand.
import { resolveDigest } from './digest-rule.js';
import { Funnel } from './funnel.js';
import { resolveNewestBuild } from './newest-build.js';
import { MAX_TAG_LENGTH } from './pattern.js';
import { resolveAlphabetical, resolveAlways, resolveNumerical, resolveRegex } from './order-rules.js';
import type { Decision, ResolveInput } from './types.js';
import { compileRule, compileTagFilter } from './validate.js';
import { resolveVersionRule } from './version-rules.js';

/**
 * Decide the next tag. Throws RuleError for input the user must fix (unknown type, invalid regex or
 * range, missing value, a current tag the version rule cannot read); everything else is a Decision.
 */
export function resolve(input: ResolveInput): Decision {
  const rule = compileRule(input.rule, input.path ?? 'rule');
  const filter = compileTagFilter(input.filter, input.filterPath ?? 'tagFilter');
  const current = input.current.trim();
  const budget = input.budget;

  const seen = new Set<string>();
  for (const raw of input.tags) {
    // Trim only what needs it: a registry's list is clean, a hand-made file may not be.
    const tag = raw.charCodeAt(0) <= 32 || raw.charCodeAt(raw.length - 1) <= 32 ? raw.trim() : raw;
    // Longer is no tag a registry can hold (OCI: at most 128), and would make patterns cost more.
    if (tag !== '' && tag.length <= MAX_TAG_LENGTH) seen.add(tag);
  }
  const unique = [...seen];
  const total = unique.length;

  // tagFilter applies before every rule (docs/rules.md), so no rule can pick a tag the user excluded.
  let start = new Funnel(unique);
  const { include, exclude } = filter;
  if (include) {
    start = start.keep('include', `matches include ${include.source}`, (x) => include.test(x, budget));
  }
  for (const re of exclude)
    start = start.keep('exclude', `does not match exclude ${re.source}`, (x) => !re.test(x, budget));

  const common = { current, total, start, digests: input.digests, budget };
  switch (rule.type) {
    case 'semver-major':
    case 'semver-minor':
    case 'semver-patch':
    case 'semver-range':
    case 'calver-major':
    case 'calver-minor':
    case 'calver-patch':
      return resolveVersionRule(rule, current, input.currentPath ?? 'current', total, start, input.digests);
    case 'regex':
      return resolveRegex(rule, common);
    case 'always':
      return resolveAlways(common);
    case 'alphabetical':
      return resolveAlphabetical(rule, common);
    case 'numerical':
      return resolveNumerical(rule, common);
    case 'digest':
      return resolveDigest({ ...common, currentDigest: input.currentDigest });
    case 'newest-build':
      return resolveNewestBuild(common, input.created);
  }
}
