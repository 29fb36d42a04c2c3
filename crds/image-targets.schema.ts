// Schema source of spec.targets of the Image kind (docs/controller.md, "Targets"). Generated like the rest of
// the Image from crds/image.schema.ts.
import { arr, cel, enumOf, named, obj, str, withRules } from './schema/builders.js';
import { objectName } from './schema/shared.js';

export const TARGET_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'] as const;

// A target names workloads one of two ways; CEL keeps them apart so `kubectl apply` says which is
// missing. Selector syntax (kubectl -l) is checked by the Image validator in domain/image/validate.ts.
export const target = named(
  'ImageTarget',
  'Workloads, and optionally containers, that the apply and restart actions touch.',
  withRules<{ kind?: string; name?: string; selector?: string }>(
    obj('A target: a workload by kind and name, or the workloads a label selector matches.', {
      kind: enumOf(
        'Kind of the workload. Required with name; with selector it limits the match to that kind.',
        TARGET_KINDS,
      ),
      name: objectName("Name of the workload, in the Image's namespace. Requires kind; excludes selector."),
      selector: str(
        `Label selector in kubectl -l syntax (app=web,tier!=db, env in (prod,stage), !legacy) matched
         against the workloads' own labels. Excludes name.`,
        { minLength: 1, maxLength: 1024 },
      ),
      containers: arr(
        `Names of the containers (or init containers) to change. Empty: every container of the
         workload that uses spec.image.`,
        str('A container name.', { minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
        { maxItems: 16, 'x-kubernetes-list-type': 'set' },
      ),
    }),
    cel({
      rule: 'has(self.name) != has(self.selector)',
      message: 'a target needs exactly one of name (with kind) or selector',
      check: (t) => (t.name !== undefined) !== (t.selector !== undefined),
    }),
    cel({
      rule: '!has(self.name) || has(self.kind)',
      fieldPath: '.kind',
      reason: 'FieldValueRequired',
      message: 'a target with a name needs kind: Deployment, StatefulSet, DaemonSet or CronJob',
      check: (t) => t.name === undefined || t.kind !== undefined,
    }),
  ),
);
