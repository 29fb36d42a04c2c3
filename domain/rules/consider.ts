// Whether a tag that CI just pushed could be picked by an Image's rules, answered from the spec alone (no
// registry): the hook receiver says so in its response, and only Images that accept the tag are queued,
// so a tag the rules reject changes nothing. The evaluation still decides with the registry's facts.
import { RuleError } from './errors.js';
import { resolve } from './resolve.js';
import type { RuleSpec, TagFilter } from './types.js';
import { compileTagFilter, type CompiledFilter } from './validate.js';

export interface ConsiderInput {
  rules: readonly RuleSpec[];
  filter?: TagFilter;
  /** The tag the Image is at now (status.tag, else spec.baseTag, else latest). */
  current: string;
  /** The pushed tag. */
  tag: string;
}

export interface Consideration {
  accepted: boolean;
  /** One sentence, e.g. `tag main-7f3a9c1 does not match tagFilter.include ^v`. */
  reason: string;
  /** Name (or type) of the first rule that accepts the tag. */
  rule?: string;
}

/** Tags of `tags` that pass tagFilter, in their order (the candidates a rule starts from). */
export function filterTags(tags: readonly string[], filter: TagFilter | undefined): string[] {
  const compiled = compileTagFilter(filter);
  return tags.filter((t) => filterFailure(compiled, t) === undefined);
}

function filterFailure(f: CompiledFilter, tag: string): string | undefined {
  if (f.include && !f.include.test(tag)) return `does not match tagFilter.include ${f.include.source}`;
  const ex = f.exclude.find((re) => re.test(tag));
  return ex ? `matches tagFilter.exclude ${ex.source}` : undefined;
}

/**
 * Whether any rule could move the Image to `tag`. newest-build accepts every tag past the filter (the
 * build time is the registry's to tell, so the evaluation decides); the digest rule accepts only the
 * current tag; every other rule is asked whether `tag` beats the current tag.
 */
export function considerTag(input: ConsiderInput): Consideration {
  const { tag, current } = input;
  let compiled: CompiledFilter;
  try {
    compiled = compileTagFilter(input.filter);
  } catch (err) {
    return { accepted: false, reason: invalid(err) };
  }
  const failed = filterFailure(compiled, tag);
  if (failed !== undefined) return { accepted: false, reason: `tag ${tag} ${failed}` };

  const why: string[] = [];
  for (const [i, rule] of input.rules.entries()) {
    const name = rule.name || rule.type;
    if (rule.type === 'newest-build') {
      return {
        accepted: true,
        rule: name,
        reason: `tag ${tag} is a candidate of rule "${name}"; its build time decides`,
      };
    }
    if (rule.type === 'digest') {
      if (tag === current)
        return { accepted: true, rule: name, reason: `tag ${tag} is the tag rule "${name}" follows` };
      why.push(`rule "${name}" follows ${current} only`);
      continue;
    }
    try {
      const d = resolve({ rule, current, tags: [tag], path: `spec.rules[${i}]` });
      if (d.kind === 'change') {
        return {
          accepted: true,
          rule: name,
          reason: `tag ${tag} is newer than ${current} for rule "${name}"`,
        };
      }
      const step = d.explanation.steps.find((s) => s.removed > 0);
      why.push(`rule "${name}" keeps only ${step ? step.description : `tags newer than ${current}`}`);
    } catch (err) {
      why.push(`rule "${name}": ${invalid(err)}`);
    }
  }
  return { accepted: false, reason: `tag ${tag} is rejected: ${why.join('; ')}` };
}

function invalid(err: unknown): string {
  if (err instanceof RuleError) return `${err.field}: ${err.detail}`;
  throw err;
}
