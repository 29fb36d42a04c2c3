// Turns a user-written rule and tag filter into checked, compiled form, or a RuleError naming the field.
// The validating webhook calls validateRule/validateTagFilter at admission; resolve() compiles the same
// way, so whatever admission accepts, the engine can run.
import semver from 'semver';
import { RuleError } from './errors.js';
import { compilePattern, type UserPattern } from './pattern.js';
import { ruleTypes } from './types.js';
import type { RuleSpec, RuleType, TagFilter } from './types.js';

/** The semver-* and calver-* rules, derived from the schema's list so a new one cannot be missed here. */
export type VersionRuleType = Extract<RuleType, `semver-${string}` | `calver-${string}`>;

export type CompiledRule =
  | { type: Exclude<VersionRuleType, 'semver-range'>; allowPrerelease: boolean }
  | { type: 'semver-range'; range: string; allowPrerelease: boolean }
  | { type: 'regex'; value: string; pattern: UserPattern; versionGroup: boolean }
  | { type: 'alphabetical' | 'numerical'; descending: boolean }
  | { type: 'digest' | 'always' | 'newest-build' };

export interface CompiledFilter {
  include?: UserPattern;
  exclude: UserPattern[];
}

const TYPE_SET: ReadonlySet<string> = new Set(ruleTypes);

export function isRuleType(type: string): type is RuleType {
  return TYPE_SET.has(type);
}

function noValue(path: string, type: string, value: string, hint: string): void {
  if (value !== '') {
    throw new RuleError(`${path}.value`, `${type} takes no value (got ${JSON.stringify(value)}); ${hint}`);
  }
}

/** Check and compile one rule. `path` names it in errors, e.g. `spec.rules[2]`. */
export function compileRule(rule: RuleSpec, path = 'rule'): CompiledRule {
  const type = rule.type;
  if (!isRuleType(type)) {
    throw new RuleError(
      `${path}.type`,
      `unknown rule type ${JSON.stringify(type)}; use one of ${ruleTypes.join(', ')}`,
    );
  }
  const value = (rule.value ?? '').trim();
  const allowPrerelease = rule.allowPrerelease === true;
  switch (type) {
    case 'semver-major':
    case 'semver-minor':
    case 'semver-patch':
      noValue(path, type, value, 'use semver-range to constrain versions, or tagFilter to narrow tags');
      return { type, allowPrerelease };
    case 'calver-major':
    case 'calver-minor':
    case 'calver-patch':
      noValue(path, type, value, 'use tagFilter to narrow tags');
      return { type, allowPrerelease };
    case 'semver-range': {
      if (value === '') {
        throw new RuleError(`${path}.value`, 'semver-range needs a semver range as value, e.g. ">=1.4 <2"');
      }
      if (semver.validRange(value) === null) {
        throw new RuleError(
          `${path}.value`,
          `invalid semver range ${JSON.stringify(value)}; write an npm range such as "^1.4", "~2.3.0" or ">=1.4 <2"`,
        );
      }
      return { type, range: value, allowPrerelease };
    }
    case 'regex': {
      if (value === '') {
        throw new RuleError(
          `${path}.value`,
          'regex needs a regular expression as value, e.g. "^main-(?<version>\\d+)$"',
        );
      }
      const pattern = compilePattern(`${path}.value`, value, true);
      // `(?P<version>…)` (Go, Flux) and `(?<version>…)` (JavaScript, newer RE2) name the same group.
      return { type, value, pattern, versionGroup: pattern.groups.has('version') };
    }
    case 'alphabetical':
    case 'numerical': {
      const order = value.toLowerCase();
      if (order !== '' && order !== 'asc' && order !== 'desc') {
        throw new RuleError(
          `${path}.value`,
          `${type} takes "asc" (pick the highest, the default) or "desc" (pick the lowest), got ${JSON.stringify(value)}`,
        );
      }
      return { type, descending: order === 'desc' };
    }
    case 'digest':
      noValue(path, type, value, 'the digest rule follows the current tag itself');
      return { type };
    case 'always':
    case 'newest-build':
      noValue(path, type, value, 'use tagFilter to narrow tags');
      return { type };
  }
}

/** Admission-time check of one rule; throws RuleError naming the field. */
export function validateRule(rule: RuleSpec, path = 'rule'): void {
  compileRule(rule, path);
}

export function compileTagFilter(filter: TagFilter | undefined, path = 'tagFilter'): CompiledFilter {
  const out: CompiledFilter = { exclude: [] };
  if (filter?.include) out.include = compilePattern(`${path}.include`, filter.include, false);
  (filter?.exclude ?? []).forEach((source, i) => {
    if (source !== '') out.exclude.push(compilePattern(`${path}.exclude[${i}]`, source, false));
  });
  return out;
}

/** Admission-time check of a tag filter; throws RuleError naming the field. */
export function validateTagFilter(filter: TagFilter | undefined, path = 'tagFilter'): void {
  compileTagFilter(filter, path);
}
