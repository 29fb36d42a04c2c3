// Annotation mode (docs/without-custom-resources.md): the annotations a workload carries to be followed
// without a hand-written Image, read into one rule per followed container. Pure; the operator turns the
// result into managed Images (managed-image.ts) and the problems into Warning Events on the workload.
import { ACTION_TYPES, RULE_TYPES } from '../../crds/index.js';

export const FOLLOW_ANNOTATION = 'tagpilot.dev/follow';
/** `tagpilot.dev/follow.<container>`: that container's rule, or `none` to leave it out. */
export const FOLLOW_CONTAINER_PREFIX = 'tagpilot.dev/follow.';
export const SCHEDULE_ANNOTATION = 'tagpilot.dev/schedule';
export const ALERT_ANNOTATION = 'tagpilot.dev/alert';
export const ACTIONS_ANNOTATION = 'tagpilot.dev/actions';
/** The per-container value that leaves a container out of a workload-wide follow. */
export const NOT_FOLLOWED = 'none';

/** A rule as written in an annotation: `digest`, `semver-minor`, `semver-range:>=1.4 <2`, `regex:^main-\d+$`. */
export interface FollowRule {
  type: string;
  value?: string;
}

export interface ContainerFollow {
  container: string;
  /** The annotation the rule came from, for messages. */
  annotation: string;
  rule: FollowRule;
}

export interface FollowSettings {
  /** Containers to follow, in pod template order. */
  containers: ContainerFollow[];
  schedule?: string;
  alert?: string;
  actions: ('apply' | 'restart')[];
  /** What is wrong with the annotations, each naming the annotation and what to write instead. */
  problems: string[];
}

/** Whether the workload asks to be followed at all (any follow annotation). */
export function isFollowed(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return Object.keys(annotations ?? {}).some(
    (k) => k === FOLLOW_ANNOTATION || k.startsWith(FOLLOW_CONTAINER_PREFIX),
  );
}

/** `type` or `type:value`; the type is checked by the Image validator with the rest of the spec. */
export function parseFollowRule(text: string): FollowRule {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  if (colon === -1) return { type: trimmed };
  return { type: trimmed.slice(0, colon).trim(), value: trimmed.slice(colon + 1).trim() };
}

const RULE_HINT = `write digest (for mutable tags such as latest), a rule type (${RULE_TYPES.filter((t) => t !== 'digest').join(', ')}) or type:value (semver-range:>=1.4 <2, regex:^main-(?<version>\\d+)$)`;

/**
 * The follow settings of a workload whose pod template has `containers` (names, init containers
 * included). A container annotation overrides the workload-wide one; init containers are followed only
 * when named.
 */
export function followSettings(
  annotations: Readonly<Record<string, string>>,
  containers: readonly { name: string; init: boolean }[],
): FollowSettings {
  const problems: string[] = [];
  const names = new Set(containers.map((c) => c.name));
  for (const key of Object.keys(annotations)) {
    if (!key.startsWith(FOLLOW_CONTAINER_PREFIX)) continue;
    const name = key.slice(FOLLOW_CONTAINER_PREFIX.length);
    if (!names.has(name)) {
      problems.push(
        `annotation ${key}: the pod template has no container ${JSON.stringify(name)} (containers: ${[...names].join(', ')})`,
      );
    }
  }
  const workloadRule = annotations[FOLLOW_ANNOTATION];
  const followed: ContainerFollow[] = [];
  for (const c of containers) {
    const own = annotations[`${FOLLOW_CONTAINER_PREFIX}${c.name}`];
    const annotation = own !== undefined ? `${FOLLOW_CONTAINER_PREFIX}${c.name}` : FOLLOW_ANNOTATION;
    const text = own ?? (c.init ? undefined : workloadRule);
    if (text === undefined || text.trim() === NOT_FOLLOWED) continue;
    if (text.trim() === '') {
      problems.push(`annotation ${annotation} is empty; ${RULE_HINT}`);
      continue;
    }
    followed.push({ container: c.name, annotation, rule: parseFollowRule(text) });
  }
  if (workloadRule?.trim() === '') problems.push(`annotation ${FOLLOW_ANNOTATION} is empty; ${RULE_HINT}`);

  const actionsText = annotations[ACTIONS_ANNOTATION];
  let actions: ('apply' | 'restart')[] = ['apply'];
  if (actionsText !== undefined) {
    const listed = actionsText
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    const allowed = ACTION_TYPES.filter((a) => a !== 'alert');
    const bad = listed.filter((a) => !(allowed as readonly string[]).includes(a));
    if (bad.length > 0 || listed.length === 0) {
      problems.push(
        `annotation ${ACTIONS_ANNOTATION}: ${bad.length ? `unknown action ${bad.map((b) => JSON.stringify(b)).join(', ')}` : 'is empty'}; write apply, restart or apply,restart (alerts come from ${ALERT_ANNOTATION})`,
      );
    } else actions = [...new Set(listed)] as ('apply' | 'restart')[];
  }
  const schedule = annotations[SCHEDULE_ANNOTATION]?.trim();
  const alert = annotations[ALERT_ANNOTATION]?.trim();
  return {
    containers: followed,
    ...(schedule ? { schedule } : {}),
    ...(alert ? { alert } : {}),
    actions,
    problems,
  };
}

export { RULE_HINT };
