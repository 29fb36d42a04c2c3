// The rules of an Image, in order: the first rule that yields a new tag (or, for the digest rule, a new
// digest) wins. Pure: the registry has already been asked.
import type { ImageRule, TagFilter } from '../../crds/index.js';
import { DEFAULT_BUDGET_MS, MatchBudget, resolve, type Decision } from '../../domain/rules/index.js';

export interface RulesInput {
  rules: readonly ImageRule[];
  current: string;
  /** Field the current tag came from, for RuleError messages: `status.tag` or `spec.baseTag`. */
  currentPath: string;
  tags: readonly string[];
  filter?: TagFilter;
  /** Digest recorded in status for the current tag (the digest rule compares against it). */
  currentDigest?: string;
  /** Registry digests known now, at least the current tag's when a digest rule is present. */
  digests?: Readonly<Record<string, string>>;
  /** newest-build: tag -> image config `created`, for the tags past tagFilter. */
  created?: Readonly<Record<string, string>>;
  /** Tags ruled out by the caller (e.g. they lack a required platform); never the current tag. */
  excluded?: ReadonlySet<string>;
  /** Tags the health gate rolled back or a person rejected (status.rejected): never picked again. */
  rejected?: ReadonlySet<string>;
  /**
   * `tag@digest` of digest-rule changes that were rolled back or refused: the digest rule keeps its tag,
   * so only the digest tells a refused change from a newer push.
   */
  rejectedDigests?: ReadonlySet<string>;
}

export interface RulesChange {
  kind: 'change';
  ruleIndex: number;
  rule: ImageRule;
  ruleName: string;
  tag: string;
  digest?: string;
  reason: string;
  /** The digest rule changes the digest behind the same tag. */
  digestRule: boolean;
}

export interface RulesNone {
  kind: 'none';
  /** One line per rule: `name: reason`. */
  reasons: string[];
  /** Digest the digest rule saw for the current tag (record it: first observation or unchanged). */
  digest?: string;
}

export type RulesOutcome = RulesChange | RulesNone;

export const ruleName = (rule: Pick<ImageRule, 'name' | 'type'>) => rule.name || rule.type;

/** Whether a check must know the registry digest of the current tag before running the rules. */
export function needsCurrentDigest(rules: readonly ImageRule[]): boolean {
  return rules.some((r) => r.type === 'digest');
}

/** Throws RuleError (from the rule engine) for a rule the user must fix; everything else is an outcome. */
export function decideRules(input: RulesInput): RulesOutcome {
  const excluded = new Set([...(input.excluded ?? []), ...(input.rejected ?? [])]);
  const tags =
    excluded.size > 0 ? input.tags.filter((t) => t === input.current || !excluded.has(t)) : input.tags;
  const reasons: string[] = [];
  let digest: string | undefined;
  // One matching budget for the whole decision: 16 rules do not get 16 times the time.
  const budget = new MatchBudget(DEFAULT_BUDGET_MS, () => performance.now());
  for (const [i, rule] of input.rules.entries()) {
    const decision: Decision = resolve({
      rule,
      current: input.current,
      tags,
      filter: input.filter,
      currentDigest: input.currentDigest,
      digests: input.digests,
      created: input.created,
      path: `spec.rules[${i}]`,
      filterPath: 'spec.tagFilter',
      currentPath: input.currentPath,
      budget,
    });
    const name = ruleName(rule);
    if (
      decision.kind === 'change' &&
      rule.type === 'digest' &&
      input.rejectedDigests?.has(`${decision.tag}@${decision.digest ?? ''}`)
    ) {
      // Not recorded as the current digest either: the webhook would pin what was refused.
      reasons.push(
        `${input.rules.length > 1 ? `rule "${name}": ` : ''}digest ${decision.digest} of ${decision.tag} was ` +
          `rejected before (rolled back or refused, status.rejected); waiting for a newer push`,
      );
      continue;
    }
    if (decision.kind === 'change') {
      return {
        kind: 'change',
        ruleIndex: i,
        rule,
        ruleName: name,
        tag: decision.tag,
        ...(decision.digest !== undefined ? { digest: decision.digest } : {}),
        reason: decision.reason,
        digestRule: rule.type === 'digest',
      };
    }
    if (rule.type === 'digest' && decision.digest !== undefined) digest ??= decision.digest;
    reasons.push(input.rules.length > 1 ? `rule "${name}": ${decision.reason}` : decision.reason);
  }
  const skipped = input.tags.filter((t) => t !== input.current && input.rejected?.has(t));
  if (skipped.length > 0)
    reasons.push(
      `rejected before (rolled back or refused), skipped (status.rejected): ${skipped.join(', ')}`,
    );
  return { kind: 'none', reasons, ...(digest !== undefined ? { digest } : {}) };
}
