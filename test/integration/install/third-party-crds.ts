// Minimal CRDs of the kinds the optional parts of the install use (cert-manager's Issuer and
// Certificate, the Prometheus Operator's ServiceMonitor), so the test apiserver can dry-run those
// objects. The schemas accept any spec: they stand in for the real CRDs, whose validation is those
// projects' business; what is tested here is that Tagpilot's rendered objects apply.
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';

function crd(
  group: string,
  kind: string,
  plural: string,
  scope: 'Namespaced' | 'Cluster',
  version: string,
): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
            },
          },
        },
      ],
    },
  };
}

export const THIRD_PARTY_CRDS: V1CustomResourceDefinition[] = [
  crd('cert-manager.io', 'Issuer', 'issuers', 'Namespaced', 'v1'),
  crd('cert-manager.io', 'ClusterIssuer', 'clusterissuers', 'Cluster', 'v1'),
  crd('cert-manager.io', 'Certificate', 'certificates', 'Namespaced', 'v1'),
  crd('monitoring.coreos.com', 'ServiceMonitor', 'servicemonitors', 'Namespaced', 'v1'),
];
