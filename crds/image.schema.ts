// Schema source of the Image kind (docs/api.md is its reference). The CRD YAML, the TypeScript types, the ajv validators
// and docs/api.md are all generated from this file: edit here, then run `make crds`.
import { arr, bool, cel, enumOf, named, obj, present, str, use, withRules } from './schema/builders.js';
import type { KindSource } from './schema/kind.js';
import { celList, includes } from './schema/enum-rules.js';
import { approval, pending } from './image-approval.schema.js';
import { healthGate, rejectedEntry, rollout } from './image-health.schema.js';
import { pods } from './image-pods.schema.js';
import { target } from './image-targets.schema.js';
import { trigger } from './image-triggers.schema.js';
import { windowsSpec, windowsStatus } from './image-windows.schema.js';
import { holds } from './image-holds.schema.js';
import { DIGEST, conditions, localObjectReference, observedGeneration } from './schema/shared.js';

export const RULE_TYPES = [
  'semver-major',
  'semver-minor',
  'semver-patch',
  'semver-range',
  'calver-major',
  'calver-minor',
  'calver-patch',
  'regex',
  'alphabetical',
  'numerical',
  'digest',
  'always',
  'newest-build',
] as const;
export const ACTION_TYPES = ['apply', 'restart', 'alert'] as const;
export const IMAGE_RESULTS = [
  'Success',
  'Scheduled',
  'Error',
  'RegistryError',
  'PullSecretsError',
  'TagsError',
  'RuleError',
  'ActionError',
  'RolledBack',
] as const;
/** Condition types Tagpilot sets on an Image (Healthy comes with health-gated rollouts). */
export const IMAGE_CONDITION_TYPES = ['Ready', 'Stalled', 'Reconciling', 'UpToDate', 'Healthy'] as const;

/** Rule types whose `value` is mandatory, and those that read it at all. */
export const RULES_REQUIRING_VALUE = ['regex', 'semver-range'] as const;
export const RULES_USING_VALUE = ['regex', 'semver-range', 'alphabetical', 'numerical'] as const;
export const SORT_ORDERS = ['asc', 'desc'] as const;
/** Workload kinds Tagpilot updates (spec.targets[].kind, and what apply and restart look at). */
export { TARGET_KINDS } from './image-targets.schema.js';
export { TRIGGER_TYPES } from './image-triggers.schema.js';
/** spec.cloudAuth: which cloud identity of the controller Pod reads the registry (docs/registries.md). */
export const CLOUD_AUTH_MODES = ['auto', 'none', 'aws', 'gcp', 'azure'] as const;

// Image reference grammar of distribution/reference: [host[:port]/]path, lower-case path components.
// A trailing :tag or @digest is accepted by the pattern on purpose, so that the CEL rules below,
// not a regular expression dump, tell the user what is wrong.
const DOMAIN_COMPONENT = '[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?';
const PATH_COMPONENT = '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*';
const IMAGE_REFERENCE =
  `^(${DOMAIN_COMPONENT}(\\.${DOMAIN_COMPONENT})*(:[0-9]+)?/)?${PATH_COMPONENT}(/${PATH_COMPONENT})*` +
  '(:[\\w][\\w.-]{0,127})?(@[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,})?$';
/** A tag is a ':' after the last '/' and before any '@'. */
const HAS_TAG = '^[^@]*:[^/@]*(@|$)';
const TAG = '^[\\w][\\w.-]{0,127}$';

const image = withRules<string>(
  str(
    `Repository to follow, without tag or digest: [registry-host[:port]/]path, e.g. ghcr.io/acme/web,
     registry.local:5000/team/app or nginx. Docker Hub names are normalised (nginx is
     registry-1.docker.io/library/nginx). Workloads whose containers use this repository are the
     ones Tagpilot updates.`,
    { minLength: 1, maxLength: 255, pattern: IMAGE_REFERENCE },
  ),
  cel({
    rule: "!self.contains('@')",
    message: `must not contain a digest: give the repository only; Tagpilot records the digest it
              picks in status.digest`,
    check: (s) => !s.includes('@'),
  }),
  cel({
    rule: `!self.matches('${HAS_TAG}')`,
    message: 'must not contain a tag: give the repository only and put the starting tag in spec.baseTag',
    check: (s) => !new RegExp(HAS_TAG).test(s),
  }),
);

const action = named(
  'ImageAction',
  'What to do when a rule picks a new tag or digest.',
  withRules<{ type?: string; alertConfigRef?: unknown }>(
    obj(
      'An action.',
      {
        type: enumOf(
          `apply: write the new reference into every workload in the namespace whose containers use
           spec.image, or only those spec.targets names (with the digest rule: repo:tag@digest).
           restart: rollout-restart those workloads. alert: send a message through the AlertConfig named in alertConfigRef.`,
          ACTION_TYPES,
        ),
        alertConfigRef: use(
          localObjectReference,
          'AlertConfig in the same namespace to send through. Required for, and only taken by, alert actions.',
        ),
      },
      ['type'],
    ),
    cel({
      rule: "self.type != 'alert' || has(self.alertConfigRef)",
      fieldPath: '.alertConfigRef',
      reason: 'FieldValueRequired',
      message: 'an alert action needs alertConfigRef.name, the AlertConfig to send through',
      check: (a) => a.type !== 'alert' || a.alertConfigRef !== undefined,
    }),
    cel({
      rule: "self.type == 'alert' || !has(self.alertConfigRef)",
      fieldPath: '.alertConfigRef',
      reason: 'FieldValueForbidden',
      message: 'only alert actions take alertConfigRef',
      check: (a) => a.type === 'alert' || a.alertConfigRef === undefined,
    }),
  ),
);

const rule = named(
  'ImageRule',
  'How the next tag is chosen, and what happens when it changes.',
  withRules<{ type?: string; value?: string }>(
    obj(
      'A rule.',
      {
        name: str(
          'Name shown in status.history, events and alerts. Unique among the rules. Default: the type.',
          { minLength: 1, maxLength: 63 },
        ),
        type: enumOf(
          `How candidates are ordered and picked. semver-major/-minor/-patch: highest version overall,
           with the same major, with the same major.minor. semver-range: highest version satisfying
           value. calver-major/-minor/-patch: the same for calendar versions. regex: tags fully
           matching value, ordered by its named group "version" when present. alphabetical, numerical:
           the highest tag in that order (value desc: the lowest). digest: the tag stays and a new digest
           behind it is the change (mutable tags such as latest). always: the newest tag even if it
           is not a version. newest-build: the tag whose image was built last (the image config's
           created time), for commit-hash and branch-build tags; never an older build than the current. Version rules keep the current tag's shape (v prefix, number of parts,
           suffix such as -alpine), skip pre-releases and never downgrade.`,
          RULE_TYPES,
        ),
        value: str(
          `Argument of the rule type. semver-range: an npm semver range (">=1.4 <2"). regex: a
           regular expression tags must fully match, e.g. "^main-(?<version>\\d+)$". alphabetical,
           numerical: asc (default: the highest tag wins) or desc (the lowest wins).
           Required for regex and semver-range; other types take none.`,
          { maxLength: 1024 },
        ),
        allowPrerelease: bool(
          'Let version rules pick pre-releases (-rc.1, -beta). Pre-releases are always allowed when the current tag is one.',
          { default: false },
        ),
        actions: arr('Actions run in order when this rule yields a change. At least one.', action, {
          minItems: 1,
          maxItems: 8,
        }),
      },
      ['type', 'actions'],
    ),
    cel({
      rule: `!(self.type in ${celList(RULES_REQUIRING_VALUE)}) || (has(self.value) && self.value != '')`,
      fieldPath: '.value',
      reason: 'FieldValueRequired',
      message: `regex and semver-range rules need a value: the regular expression, or the semver range
                such as ">=1.4 <2"`,
      check: (r) => !includes(RULES_REQUIRING_VALUE, r.type) || present(r.value),
    }),
    cel({
      rule: `self.type in ${celList(RULES_USING_VALUE)} || !has(self.value) || self.value == ''`,
      fieldPath: '.value',
      reason: 'FieldValueForbidden',
      message: 'only regex, semver-range, alphabetical and numerical rules take a value',
      check: (r) => includes(RULES_USING_VALUE, r.type) || !present(r.value),
    }),
    cel({
      rule:
        `!(self.type in ['alphabetical', 'numerical']) || !has(self.value) || ` +
        `self.value in ['', ${SORT_ORDERS.map((o) => `'${o}'`).join(', ')}]`,
      fieldPath: '.value',
      reason: 'FieldValueInvalid',
      message: 'alphabetical and numerical rules take value asc or desc',
      check: (r) =>
        !includes(['alphabetical', 'numerical'], r.type) ||
        r.value === undefined ||
        includes(['', ...SORT_ORDERS], r.value),
    }),
  ),
);

const spec = named(
  'ImageSpec',
  'What to follow, when to look, how to choose and what to do.',
  obj(
    'What to follow, when to look, how to choose and what to do.',
    {
      image,
      baseTag: str(
        `Tag to start from while status.tag is empty (and the tag the digest rule follows), e.g.
         v1.4.0 or latest.`,
        { default: 'latest', pattern: TAG, maxLength: 128 },
      ),
      imagePullSecrets: arr(
        `kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg Secrets in the same namespace used
         to authenticate to the registry.`,
        use(localObjectReference, 'A pull Secret.'),
        { maxItems: 16 },
      ),
      cloudAuth: enumOf(
        `Registry credentials from the controller Pod's own cloud identity (EKS IRSA or Pod Identity,
         GKE Workload Identity, AKS Workload Identity) when no pull secret matches the registry. auto
         picks the cloud by registry host (ECR, Artifact Registry/GCR, ACR) and stays anonymous where
         the Pod has no such identity; none never uses it; aws, gcp or azure force that cloud for any
         host, e.g. an ECR pull-through cache or an Artifact Registry behind a custom DNS name.`,
        CLOUD_AUTH_MODES,
        { default: 'auto' },
      ),
      insecureSkipTLSVerify: bool('Skip verification of the registry TLS certificate.', { default: false }),
      plainHTTP: bool(
        `Talk plain HTTP to the registry. When unset, true for localhost and 127.0.0.1 registries,
         false otherwise.`,
      ),
      platforms: arr(
        `Platforms (os/arch[/variant], e.g. linux/amd64, linux/arm64/v8) a candidate must publish,
         all of them. Empty: any.`,
        str('A platform.', { maxLength: 64, pattern: '^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$' }),
        { maxItems: 16, 'x-kubernetes-list-type': 'set' },
      ),
      tagFilter: named(
        'TagFilter',
        'Tag filters applied before every rule.',
        obj('Filters applied to the tag list before every rule.', {
          include: str('Only tags matching this regular expression are candidates.', { maxLength: 1024 }),
          exclude: arr(
            'Tags matching any of these regular expressions are never candidates.',
            str('A regular expression.', { minLength: 1, maxLength: 1024 }),
            { maxItems: 32 },
          ),
        }),
      ),
      triggers: arr('When the registry is asked. At least one.', trigger, { minItems: 1, maxItems: 8 }),
      rules: withRules<{ name?: string }[]>(
        arr(
          'Rules evaluated in order; the first rule that yields a new tag or digest wins. At least one.',
          rule,
          { minItems: 1, maxItems: 16 },
        ),
        cel({
          rule: 'self.all(r, !has(r.name) || self.exists_one(o, has(o.name) && o.name == r.name))',
          message: 'rule names must be unique',
          check: (rules) =>
            rules.every((r) => r.name === undefined || rules.filter((o) => o.name === r.name).length === 1),
        }),
      ),
      targets: arr(
        `Limits apply and restart to these workloads and containers (a container is touched when any
         target matches it). Empty: every Deployment, StatefulSet, DaemonSet and CronJob of the
         namespace whose containers use spec.image. Images kept for annotated workloads target exactly
         their workload and container.`,
        target,
        { maxItems: 32 },
      ),
      suspend: bool('Stop checking and acting; status keeps the last result.', { default: false }),
      healthGate,
      ...windowsSpec,
      approval,
    },
    ['image', 'triggers', 'rules'],
  ),
);

const historyEntry = named(
  'ImageHistoryEntry',
  'One change Tagpilot made.',
  obj(
    'A change.',
    {
      tag: str('Tag picked.', { maxLength: 128 }),
      digest: str('Digest of that tag when known.', { maxLength: 256, pattern: DIGEST }),
      rule: str('Name (or type) of the rule that picked it.', { maxLength: 63 }),
      time: str('When the change was recorded.', { format: 'date-time' }),
    },
    ['tag', 'time'],
  ),
);

const status = named(
  'ImageStatus',
  'What Tagpilot decided last and why.',
  obj('Written by Tagpilot: what it decided last and why.', {
    tag: str('The tag the cluster should run.', { maxLength: 128 }),
    digest: str('Digest of that tag when known, e.g. sha256:….', { maxLength: 256, pattern: DIGEST }),
    result: enumOf('Outcome of the last check.', IMAGE_RESULTS),
    message: str('Human readable detail of the last result. Never holds a secret.', { maxLength: 32768 }),
    lastCheckTime: str('When the registry was last asked.', { format: 'date-time' }),
    nextCheckTime: str('When the next scheduled check is due.', { format: 'date-time' }),
    observedGeneration: observedGeneration(),
    conditions: conditions(
      `Ready (written by the operator from status.result): the Image is valid and its last check
       succeeded; False with the failed result as reason. Stalled (operator): present only while a spec
       fix is needed. Reconciling (operator): present only while the controller has not evaluated this
       generation yet or follows a rollout. UpToDate (controller): the workloads run status.tag.
       Healthy: the last rollout became healthy.`,
    ),
    history: arr('The last 10 changes, newest first.', historyEntry, { maxItems: 10 }),
    rollout,
    pending,
    rejected: arr(
      'Tags the health gate rolled back or a person rejected, newest first (the last 20); the rules skip them.',
      rejectedEntry,
      { maxItems: 20 },
    ),
    pods,
    ...windowsStatus,
    holds,
  }),
);

export const imageKind: KindSource = {
  kind: 'Image',
  singular: 'image',
  plural: 'images',
  listKind: 'ImageList',
  // `img` and friends are taken by other projects' CRDs (kpack, OpenShift); these are not.
  shortNames: ['tpimg', 'tpimage'],
  categories: ['tagpilot'],
  description: `An Image follows one repository in a registry: on its triggers Tagpilot lists the tags,
    lets the rules pick the next tag or digest, records it in status and runs the rule's actions.`,
  spec,
  status,
  printerColumns: [
    {
      name: 'Ready',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
      description: 'Valid, and the last check succeeded.',
    },
    { name: 'Image', type: 'string', jsonPath: '.spec.image', description: 'Repository followed.' },
    { name: 'Tag', type: 'string', jsonPath: '.status.tag', description: 'Tag the cluster should run.' },
    {
      name: 'Pending',
      type: 'string',
      jsonPath: '.status.pending.tag',
      description: 'Tag that waits for approval.',
    },
    { name: 'Result', type: 'string', jsonPath: '.status.result', description: 'Outcome of the last check.' },
    {
      name: 'Last-Check',
      type: 'date',
      jsonPath: '.status.lastCheckTime',
      description: 'Last registry check.',
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
  ],
  selectableFields: ['.spec.image'],
};
