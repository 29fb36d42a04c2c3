// Public API of the rule engine (docs/rules.md). Import from here, not from the files behind it.
export { ruleTypes } from './types.js';
export type {
  ChangeDecision,
  Decision,
  Explanation,
  FilterStep,
  NoneDecision,
  ResolveInput,
  RuleSpec,
  RuleType,
  TagFilter,
} from './types.js';
export { RuleError } from './errors.js';
export { resolve } from './resolve.js';
export { isRuleType, validateRule, validateTagFilter } from './validate.js';
export { DEFAULT_BUDGET_MS, MatchBudget } from './pattern.js';
export { formatDecision } from './explain.js';
export { parseTag } from './parse.js';
export type { ParsedTag } from './parse.js';
export { compareVersion } from './compare.js';
export { considerTag, filterTags } from './consider.js';
export type { Consideration, ConsiderInput } from './consider.js';
export { parseCreated } from './newest-build.js';
