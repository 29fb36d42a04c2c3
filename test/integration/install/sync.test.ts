// Generated install manifests (CRD copies, chart RBAC rules, namespaced overlay, values table) must match
// their sources: a CRD change, an RBAC change by a program's author or a new chart value without
// `make manifests` fails here.
import { describe, expect, it } from 'vitest';
import { CLUSTER_SCOPED, splitByScope, type PolicyRule } from '../../../hack/manifests/rbac-source.js';
import { staleFiles } from '../../../hack/sync-manifests.js';

describe('hack/sync-manifests.ts', () => {
  it('leaves nothing stale: run `make manifests` after changing crds/, config/rbac/ or the chart values', () => {
    expect(staleFiles()).toEqual([]);
  });
});

describe('splitByScope', () => {
  const cases: [string, PolicyRule[], { cluster: PolicyRule[]; namespaced: PolicyRule[] }][] = [
    [
      'namespaced resources stay namespaced',
      [{ apiGroups: ['tagpilot.dev'], resources: ['images', 'images/status'], verbs: ['get'] }],
      {
        cluster: [],
        namespaced: [{ apiGroups: ['tagpilot.dev'], resources: ['images', 'images/status'], verbs: ['get'] }],
      },
    ],
    [
      'webhook configurations are cluster-scoped, resourceNames kept',
      [
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['mutatingwebhookconfigurations'],
          resourceNames: ['tagpilot-operator'],
          verbs: ['patch'],
        },
      ],
      {
        cluster: [
          {
            apiGroups: ['admissionregistration.k8s.io'],
            resources: ['mutatingwebhookconfigurations'],
            resourceNames: ['tagpilot-operator'],
            verbs: ['patch'],
          },
        ],
        namespaced: [],
      },
    ],
    [
      'a rule mixing scopes is cut in two',
      [{ apiGroups: [''], resources: ['namespaces', 'secrets'], verbs: ['get', 'list'] }],
      {
        cluster: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list'] }],
        namespaced: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }],
      },
    ],
    [
      'several groups keep one rule when nothing differs',
      [{ apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create'] }],
      {
        cluster: [],
        namespaced: [{ apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create'] }],
      },
    ],
    [
      'scope is per group: "nodes" of another group is not the core one',
      [{ apiGroups: ['', 'metrics.k8s.io'], resources: ['nodes'], verbs: ['get'] }],
      {
        cluster: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
        namespaced: [{ apiGroups: ['metrics.k8s.io'], resources: ['nodes'], verbs: ['get'] }],
      },
    ],
    [
      'nonResourceURLs are cluster-only',
      [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
      { cluster: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }], namespaced: [] },
    ],
  ];
  it.each(cases)('%s', (_name, rules, want) => {
    expect(splitByScope(rules)).toEqual(want);
  });

  it('keeps every permission: the pieces grant exactly what the rules granted', () => {
    const rules: PolicyRule[] = [
      {
        apiGroups: ['', 'apps'],
        resources: ['namespaces', 'deployments', 'secrets'],
        verbs: ['get', 'patch'],
      },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'roles'], verbs: ['list'] },
    ];
    const grants = (rs: PolicyRule[]) =>
      new Set(
        rs.flatMap((r) =>
          (r.apiGroups ?? ['']).flatMap((g) =>
            (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}/${res}/${v}`)),
          ),
        ),
      );
    const { cluster, namespaced } = splitByScope(rules);
    expect(new Set([...grants(cluster), ...grants(namespaced)])).toEqual(grants(rules));
    // And no cluster-scoped grant leaks into the namespaced half.
    for (const g of grants(namespaced)) {
      const [group, resource] = g.split('/');
      expect(CLUSTER_SCOPED[group!] ?? []).not.toContain(resource);
    }
  });
});
