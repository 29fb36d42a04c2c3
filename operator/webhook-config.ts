// The Mutating- and ValidatingWebhookConfiguration the operator owns (docs/operator.md), built as plain objects
// and written with server-side apply, so a rotation's new caBundle or a changed flag is one idempotent
// call, and fields other managers own (e.g. a cert-manager CA injector) are left alone.
import {
  AdmissionregistrationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1MutatingWebhookConfiguration,
  type V1RuleWithOperations,
  type V1ValidatingWebhookConfiguration,
  type AdmissionregistrationV1WebhookClientConfig,
} from '@kubernetes/client-node';
import { MUTATE_PATH, VALIDATE_PATH } from '../webhook/index.js';
import type { FailurePolicy, ServiceRef } from './options.js';

/** Label that opts a namespace or a single object into tag pinning. */
export const OPT_IN_LABEL = 'tagpilot.dev/webhook';
export const OPT_IN_VALUE = 'enabled';
/** On an object in an opted-in namespace: leave this one alone. */
export const OPT_OUT_VALUE = 'disabled';
export const FIELD_MANAGER = 'tagpilot-operator';

export interface WebhookConfigOptions {
  name: string;
  endpoint: { url: string } | { service: ServiceRef };
  /** PEM bundle the apiserver trusts for the webhook's serving certificate. */
  caBundle: string;
  failurePolicy: FailurePolicy;
  timeoutSeconds: number;
  /** The operator's own namespace: never mutated, so the operator can always start. */
  ownNamespace: string;
}

function clientConfig(o: WebhookConfigOptions, path: string): AdmissionregistrationV1WebhookClientConfig {
  const caBundle = Buffer.from(o.caBundle).toString('base64');
  if ('url' in o.endpoint) return { url: `${o.endpoint.url}${path}`, caBundle };
  const { namespace, name, port } = o.endpoint.service;
  return { service: { namespace, name, port, path }, caBundle };
}

/** The kinds the mutating webhook pins (see webhook/mutate.ts POD_SPEC_PATHS). */
export const MUTATING_RULES: V1RuleWithOperations[] = [
  // Pods are only pinned at creation: their image is otherwise changed by the workload controllers.
  { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'], scope: 'Namespaced' },
  {
    apiGroups: ['apps'],
    apiVersions: ['v1'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
    operations: ['CREATE', 'UPDATE'],
    scope: 'Namespaced',
  },
  // A Job's template is immutable: pinning on UPDATE would turn every later edit into an error.
  {
    apiGroups: ['batch'],
    apiVersions: ['v1'],
    resources: ['jobs'],
    operations: ['CREATE'],
    scope: 'Namespaced',
  },
  {
    apiGroups: ['batch'],
    apiVersions: ['v1'],
    resources: ['cronjobs'],
    operations: ['CREATE', 'UPDATE'],
    scope: 'Namespaced',
  },
];

export const VALIDATING_RULES: V1RuleWithOperations[] = [
  {
    apiGroups: ['tagpilot.dev'],
    apiVersions: ['v1alpha1'],
    resources: ['images', 'alertconfigs'],
    operations: ['CREATE', 'UPDATE'],
    scope: 'Namespaced',
  },
];

const notOwnNamespace = (ns: string) => ({
  key: 'kubernetes.io/metadata.name',
  operator: 'NotIn',
  values: [ns],
});

/**
 * Two entries because selectors are ANDed within one webhook: one for opted-in namespaces (objects
 * there may opt out), one for opted-in objects in the other namespaces. The namespace selectors are
 * disjoint, so no object is sent twice.
 */
export function mutatingWebhookConfiguration(o: WebhookConfigOptions): V1MutatingWebhookConfiguration {
  const common = {
    clientConfig: clientConfig(o, MUTATE_PATH),
    rules: MUTATING_RULES,
    failurePolicy: o.failurePolicy,
    sideEffects: 'None',
    timeoutSeconds: o.timeoutSeconds,
    admissionReviewVersions: ['v1'],
    matchPolicy: 'Equivalent',
    // Pinning is idempotent; a later webhook that adds a container using a followed repository gets it
    // pinned too.
    reinvocationPolicy: 'IfNeeded',
  };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: o.name, labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER } },
    webhooks: [
      {
        name: 'pin.namespace.tagpilot.dev',
        ...common,
        namespaceSelector: {
          matchExpressions: [
            { key: OPT_IN_LABEL, operator: 'In', values: [OPT_IN_VALUE] },
            notOwnNamespace(o.ownNamespace),
          ],
        },
        objectSelector: {
          matchExpressions: [{ key: OPT_IN_LABEL, operator: 'NotIn', values: [OPT_OUT_VALUE] }],
        },
      },
      {
        name: 'pin.object.tagpilot.dev',
        ...common,
        namespaceSelector: {
          matchExpressions: [
            { key: OPT_IN_LABEL, operator: 'NotIn', values: [OPT_IN_VALUE] },
            notOwnNamespace(o.ownNamespace),
          ],
        },
        objectSelector: { matchLabels: { [OPT_IN_LABEL]: OPT_IN_VALUE } },
      },
    ],
  };
}

export function validatingWebhookConfiguration(o: WebhookConfigOptions): V1ValidatingWebhookConfiguration {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: o.name, labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER } },
    webhooks: [
      {
        name: 'validate.tagpilot.dev',
        clientConfig: clientConfig(o, VALIDATE_PATH),
        rules: VALIDATING_RULES,
        failurePolicy: o.failurePolicy,
        sideEffects: 'None',
        timeoutSeconds: o.timeoutSeconds,
        admissionReviewVersions: ['v1'],
        matchPolicy: 'Equivalent',
      },
    ],
  };
}

/** Server-side applies both configurations (force: the operator is their owner). */
export async function applyWebhookConfigurations(kc: KubeConfig, o: WebhookConfigOptions): Promise<void> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  await api.patchMutatingWebhookConfiguration(
    { name: o.name, body: mutatingWebhookConfiguration(o), fieldManager: FIELD_MANAGER, force: true },
    apply,
  );
  await api.patchValidatingWebhookConfiguration(
    { name: o.name, body: validatingWebhookConfiguration(o), fieldManager: FIELD_MANAGER, force: true },
    apply,
  );
}
