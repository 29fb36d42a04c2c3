// Schema pieces used by more than one kind: object references, the `{value | valueFrom}` shape of
// every secret-ish setting, and the metav1.Condition shape.
import { arr, cel, enumOf, int, named, obj, str, withRules, type Schema } from './builders.js';

// Regular expressions here are written in the common subset of RE2 (apiserver) and ECMAScript
// with the `u` flag (ajv), so one string serves both.

/** RFC 1123 subdomain: names of Secrets, ConfigMaps and other namespaced objects. */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** Keys of Secret and ConfigMap data. */
export const DATA_KEY = '^[-._a-zA-Z0-9]+$';
/** An http(s) URL with a host. Deliberately simple so CEL `matches` and JS `RegExp` agree on it. */
export const HTTP_URL = '^https?://[^ /?#]+([/?#][^ ]*)?$';

export function objectName(description: string): Schema {
  return str(description, { minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN });
}

export const localObjectReference = named(
  'LocalObjectReference',
  'A reference to an object by name in the same namespace.',
  obj('A reference to an object in the same namespace.', { name: objectName('Name of the object.') }, [
    'name',
  ]),
);

const keySelector = named(
  'KeySelector',
  'Selects one key of a Secret or ConfigMap in the same namespace.',
  obj(
    'Selects one key of an object in the same namespace.',
    {
      name: objectName('Name of the Secret or ConfigMap.'),
      key: str('Key within its data.', { minLength: 1, maxLength: 253, pattern: DATA_KEY }),
    },
    ['name', 'key'],
  ),
);

const valueSource = named(
  'ValueSource',
  'Where a secret-ish value is read from: exactly one of secretKeyRef or configMapKeyRef.',
  withRules<{ secretKeyRef?: unknown; configMapKeyRef?: unknown }>(
    obj('Where to read the value from.', {
      secretKeyRef: { ...keySelector, description: 'Read the value from a key of a Secret.' },
      configMapKeyRef: { ...keySelector, description: 'Read the value from a key of a ConfigMap.' },
    }),
    cel({
      rule: 'has(self.secretKeyRef) != has(self.configMapKeyRef)',
      message: 'set exactly one of secretKeyRef or configMapKeyRef',
      check: (s) => (s.secretKeyRef !== undefined) !== (s.configMapKeyRef !== undefined),
    }),
  ),
);

/**
 * The shape of every secret-ish setting: an inline `value`, or `valueFrom` a Secret/ConfigMap key.
 * Inline values are allowed for convenience (test setups, non-secret URLs) and documented as such.
 */
export const secretValue = named(
  'SecretValue',
  'A secret-ish setting: an inline value, or a reference to a key of a Secret or ConfigMap (exactly one).',
  withRules<{ value?: unknown; valueFrom?: unknown }>(
    obj('A secret-ish setting.', {
      value: str(
        `Inline value. Anyone who can read this object can read it: prefer valueFrom.secretKeyRef for
         credentials.`,
        { maxLength: 4096 },
      ),
      valueFrom: valueSource,
    }),
    cel({
      rule: 'has(self.value) != has(self.valueFrom)',
      message: 'set exactly one of value or valueFrom',
      check: (s) => (s.value !== undefined) !== (s.valueFrom !== undefined),
    }),
  ),
);

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** Exactly the schema controller-gen writes for metav1.Condition, so generic tooling reads it. */
export const condition = named(
  'Condition',
  'The standard metav1.Condition shape.',
  obj(
    'One aspect of the current state.',
    {
      type: str('Type of condition in CamelCase, e.g. Ready.', {
        maxLength: 316,
        pattern:
          '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      }),
      status: enumOf('Status of the condition.', CONDITION_STATUSES),
      observedGeneration: int(
        `metadata.generation the condition was set from; older than the object's generation means
         the condition is out of date.`,
        { format: 'int64', minimum: 0 },
      ),
      lastTransitionTime: str('When the condition last changed from one status to another.', {
        format: 'date-time',
      }),
      reason: str('Programmatic identifier for the last transition, in CamelCase.', {
        minLength: 1,
        maxLength: 1024,
        pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      }),
      message: str('Human readable detail about the transition. May be empty.', { maxLength: 32768 }),
    },
    ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  ),
);

export function conditions(description: string): Schema {
  return arr(description, condition, {
    maxItems: 16,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  });
}

export function observedGeneration(): Schema {
  return int('metadata.generation of the spec this status describes.', { format: 'int64', minimum: 0 });
}

/** An OCI digest (algorithm:hex), as status and history record it. */
export const DIGEST = '^[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}$';
