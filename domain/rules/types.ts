// Public shapes of the rule engine. RuleSpec stays structurally compatible with the Image CRD's rule
// entry (`{ name?, type, value?, allowPrerelease? }`), so a CRD rule can be passed straight in; the list
// of rule types comes from the API schema, the one source the CRD, the validators and this engine share.
import { RULE_TYPES } from '../../crds/image.schema.js';
import type { MatchBudget } from './pattern.js';

/** Every rule type, in the order docs/rules.md lists them. */
export const ruleTypes = RULE_TYPES;

export type RuleType = (typeof ruleTypes)[number];

/** One rule as users write it. `type` is a plain string so CRD objects fit; validateRule narrows it. */
export interface RuleSpec {
  name?: string;
  type: string;
  /** Constraint, pattern or option, depending on the type (see docs/rules.md). */
  value?: string;
  /** Let pre-releases (`-rc.1`, `beta2`, …) win even when the current tag is a release. */
  allowPrerelease?: boolean;
}

/** `tagFilter` of an Image: applied before every rule. Regular expressions, unanchored (RE2 syntax). */
export interface TagFilter {
  include?: string;
  exclude?: readonly string[];
}

export interface ResolveInput {
  rule: RuleSpec;
  /** The tag the workload runs now (Image status.tag, or spec.baseTag before the first decision). */
  current: string;
  /** Tags the registry lists. Order and duplicates do not matter. */
  tags: readonly string[];
  filter?: TagFilter;
  /** digest rule: the digest last recorded for `current` (undefined on first observation). */
  currentDigest?: string;
  /** tag -> digest as the registry reports it now; the digest rule needs the entry for `current`. */
  digests?: Readonly<Record<string, string>>;
  /**
   * newest-build: tag -> the image config's `created` (RFC 3339), as the registry reports it. Tags
   * missing here (or with an unreadable time) are left out, and the explanation says so.
   */
  created?: Readonly<Record<string, string>>;
  /** Prefix for error fields, e.g. `spec.rules[0]`; defaults to `rule`. */
  path?: string;
  /** Prefix for filter error fields; defaults to `tagFilter`. */
  filterPath?: string;
  /** Field named when a version rule cannot read the current tag, e.g. `status.tag`; defaults to `current`. */
  currentPath?: string;
  /** Matching time shared by every rule of one decision; none when absent (the CLI), bounded per match. */
  budget?: MatchBudget;
}

/** One step of the funnel that turned the tag list into candidates. */
export interface FilterStep {
  /** Stable key: include, exclude, not-a-version, shape, prerelease, bound, range, pattern, not-newer, … */
  filter: string;
  /** Human words for what the step keeps, e.g. `same shape as 1.25.3-alpine (N.N.N-alpine)`. */
  description: string;
  removed: number;
  /** A few removed tags (smallest first) so people can see what went. */
  examples: string[];
  /** A remark that filtered nothing but explains the reasoning (e.g. pre-releases allowed, and why). */
  note?: true;
}

export interface Explanation {
  rule: RuleType;
  current: string;
  /** Distinct tags given. */
  total: number;
  steps: FilterStep[];
  /** Tags left after every step (all of them beat the current tag, unless the rule says otherwise). */
  candidates: number;
  /** Best candidates, best first (at most 5). */
  top: string[];
  /** How candidates were ordered, e.g. `version order (numbers, then release above pre-release)`. */
  order: string;
}

interface DecisionBase {
  /** One sentence: why this decision. */
  reason: string;
  /** Digest of the decided tag when the caller passed `digests` (the digest rule always sets it when known). */
  digest?: string;
  explanation: Explanation;
}

/** A newer tag (or, for the digest rule, a new digest behind the same tag) should be rolled out. */
export interface ChangeDecision extends DecisionBase {
  kind: 'change';
  tag: string;
}

/**
 * Nothing to roll out. For the digest rule on first observation `digest` carries the digest to record
 * (`firstObservation: true`), so the controller can pin it without treating it as an update.
 */
export interface NoneDecision extends DecisionBase {
  kind: 'none';
  firstObservation?: boolean;
}

export type Decision = ChangeDecision | NoneDecision;
