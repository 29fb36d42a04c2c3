// The Helm chart: lint, render with defaults and with every toggle, and reject bad values at install
// time through values.schema.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helm } from '../../testenv/tools.js';
import {
  ALL_AT_ONCE,
  chartDir,
  find,
  helmTemplate,
  parseManifests,
  renderChart,
  podSpec,
  TOGGLES,
  type K8sObject,
} from './render.js';

const container = (objects: K8sObject[], component: string, release = 'tagpilot') =>
  podSpec(find(objects, 'Deployment', `${release}-${component}`)).containers[0]!;
const kinds = (objects: K8sObject[]) => objects.map((o) => o.kind);

/** What each toggle must change in the output, so a toggle that silently does nothing fails. */
const CHECKS: Record<string, (objects: K8sObject[]) => void> = {
  defaults: (objects) => {
    expect(kinds(objects).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRole',
        'ClusterRoleBinding',
        'ClusterRoleBinding',
        'Deployment',
        'Deployment',
        'PodDisruptionBudget',
        'PodDisruptionBudget',
        'Service',
        'Service',
        'Service',
        'ServiceAccount',
        'ServiceAccount',
        ...objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding').map((o) => o.kind),
      ].sort(),
    );
    // No webhook configuration: the operator creates and owns them (README "Webhook configurations").
    expect(kinds(objects)).not.toContain('MutatingWebhookConfiguration');
    expect(container(objects, 'operator').args).toContain('--self-signed-certs=true');
    expect(container(objects, 'operator').args).toContain('--webhook-failure-policy=Ignore');
    expect(container(objects, 'controller').args!.some((a) => a.startsWith('--namespaces'))).toBe(false);
  },
  watchNamespaces: (objects) => {
    for (const c of ['operator', 'controller'])
      expect(container(objects, c).args).toContain('--namespaces=tp-watch-a,tp-watch-b');
    const roleNamespaces = objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace);
    expect(roleNamespaces).toContain('tp-watch-a');
    expect(roleNamespaces).toContain('tp-watch-b');
    // Whatever stays in ClusterRoles is cluster-scoped.
    for (const cr of objects.filter((o) => o.kind === 'ClusterRole')) {
      for (const rule of (cr as unknown as { rules: { resources?: string[] }[] }).rules)
        for (const r of rule.resources ?? [])
          expect(r).not.toMatch(/^(images|alertconfigs|deployments|secrets|events|leases|pods)/);
    }
  },
  'certManager (self-signed CA)': (objects) => {
    expect(kinds(objects).filter((k) => k === 'Certificate')).toHaveLength(2);
    expect(kinds(objects).filter((k) => k === 'Issuer')).toHaveLength(2);
    expect(container(objects, 'operator').args).toContain('--self-signed-certs=false');
    const cert = find(objects, 'Certificate', 'tagpilot-operator-webhook') as unknown as {
      spec: { secretName: string; dnsNames: string[] };
    };
    expect(container(objects, 'operator').args).toContain(`--webhook-cert-secret=${cert.spec.secretName}`);
    expect(cert.spec.dnsNames).toContain('tagpilot-operator-webhook.tagpilot-system.svc');
  },
  'certManager (own ClusterIssuer)': (objects) => {
    expect(kinds(objects).filter((k) => k === 'Issuer')).toHaveLength(0);
    const cert = find(objects, 'Certificate', 'tagpilot-operator-webhook') as unknown as {
      spec: { issuerRef: { name: string; kind: string } };
    };
    expect(cert.spec.issuerRef).toEqual({ name: 'corp-ca', kind: 'ClusterIssuer' });
  },
  'webhook failurePolicy Fail': (objects) => {
    expect(container(objects, 'operator').args).toContain('--webhook-failure-policy=Fail');
    expect(container(objects, 'operator').args).toContain('--webhook-timeout-seconds=10');
  },
  networkPolicy: (objects) => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(['tagpilot-controller', 'tagpilot-operator']);
    const controller = find(objects, 'NetworkPolicy', 'tagpilot-controller') as unknown as {
      spec: { ingress: { from?: unknown[] }[]; egress: unknown[] };
    };
    expect(controller.spec.ingress[0]!.from).toHaveLength(2);
    expect(JSON.stringify(controller.spec.egress)).toContain('10.0.0.0/8');
  },
  serviceMonitor: (objects) => {
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors).toHaveLength(2);
    for (const m of monitors) {
      expect(m.metadata.labels?.release).toBe('kube-prometheus-stack');
      // The port it scrapes exists on the Service it selects.
      const component = m.metadata.labels?.['app.kubernetes.io/component'];
      const svc = find(objects, 'Service', `tagpilot-${component}`) as unknown as {
        spec: { ports: { name: string }[] };
      };
      expect(svc.spec.ports.map((p) => p.name)).toContain('metrics');
    }
  },
  'registry proxy and CA bundle': (objects) => {
    const c = container(objects, 'controller');
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      HTTPS_PROXY: 'http://proxy:3128',
      HTTP_PROXY: 'http://proxy:3128',
      NO_PROXY: '.svc,10.0.0.0/8',
      NODE_EXTRA_CA_CERTS: '/etc/tagpilot/registry-ca/ca.crt',
    });
    const cm = find(objects, 'ConfigMap', 'tagpilot-registry-ca') as unknown as {
      data: Record<string, string>;
    };
    expect(cm.data['ca.crt']).toContain('BEGIN CERTIFICATE');
    expect(c.volumeMounts?.map((m) => m.mountPath)).toContain('/etc/tagpilot/registry-ca');
  },
  'registry CA ConfigMap': (objects) => {
    expect(kinds(objects)).not.toContain('ConfigMap');
    const volume = podSpec(find(objects, 'Deployment', 'tagpilot-controller')).volumes?.find(
      (v) => v.name === 'registry-ca',
    );
    expect(volume?.configMap).toEqual({ name: 'corp-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }] });
  },
  'controller dryRun, hook secrets, debug logs': (objects) => {
    const c = container(objects, 'controller');
    expect(c.args).toContain('--dry-run');
    expect(c.args).toContain('--log-level=debug');
    expect(container(objects, 'operator').args).toContain('--log-level=debug');
    const volume = podSpec(find(objects, 'Deployment', 'tagpilot-controller')).volumes?.find(
      (v) => v.name === 'hook-secrets',
    );
    expect(volume?.secret?.secretName).toBe('tagpilot-hooks');
  },
  'one replica (no PDB), no leader election': (objects) => {
    expect(kinds(objects)).not.toContain('PodDisruptionBudget');
    for (const c of ['operator', 'controller'])
      expect(container(objects, c).args).toContain('--leader-elect=false');
  },
  'images by digest, pull secrets, scheduling': (objects) => {
    expect(container(objects, 'operator').image).toBe(
      `ghcr.io/tagpilot/tagpilot-operator@sha256:${'a'.repeat(64)}`,
    );
    expect(container(objects, 'controller').image).toBe('ghcr.io/tagpilot/tagpilot-controller:0.1.0-rc.1');
    expect(container(objects, 'controller').imagePullPolicy).toBe('Always');
    const op = podSpec(find(objects, 'Deployment', 'tagpilot-operator'));
    expect(op.imagePullSecrets).toEqual([{ name: 'ghcr' }]);
    expect(op.priorityClassName).toBe('system-cluster-critical');
    expect(container(objects, 'operator').args).toContain('--shutdown-delay=10s');
  },
  'existing ServiceAccounts, no RBAC': (objects) => {
    expect(kinds(objects).filter((k) => /Role|ServiceAccount/.test(k))).toEqual([]);
    expect(podSpec(find(objects, 'Deployment', 'tagpilot-operator')).serviceAccountName).toBe('my-operator');
    expect(podSpec(find(objects, 'Deployment', 'tagpilot-controller')).serviceAccountName).toBe(
      'my-controller',
    );
  },
  'CRDs without the keep policy, with annotations': (objects) => {
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name).sort()).toEqual([
      'alertconfigs.tagpilot.dev',
      'images.tagpilot.dev',
    ]);
    for (const crd of crds) expect(crd.metadata.annotations).toEqual({ 'example.com/owner': 'platform' });
  },
  'ServiceAccount names and annotations, fullnameOverride': (objects) => {
    expect(find(objects, 'Deployment', 'tp-operator')).toBeDefined();
    const sa = find(objects, 'ServiceAccount', 'tp-ctl') as K8sObject & {
      metadata: { annotations?: Record<string, string> };
    };
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' });
    expect(podSpec(find(objects, 'Deployment', 'tp-controller')).serviceAccountName).toBe('tp-ctl');
    for (const b of objects.filter((o) => o.kind.endsWith('RoleBinding')))
      expect(JSON.stringify(b)).toMatch(/"name":"tp-(ctl|operator)"/);
    expect(container(objects, 'operator', 'tp').args).toContain('--webhook-config-name=tp-operator');
  },
  'cloud identities (IRSA, GKE and AKS Workload Identity)': (objects) => {
    const sa = find(objects, 'ServiceAccount', 'tagpilot-controller') as K8sObject & {
      metadata: { annotations?: Record<string, string> };
    };
    expect(sa.metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/tagpilot-registry',
      'iam.gke.io/gcp-service-account': 'tagpilot@acme-prod.iam.gserviceaccount.com',
      'azure.workload.identity/client-id': '5f0c3f2e-1d7a-4c55-9a61-2b7de0f1a111',
    });
    const pod = find(objects, 'Deployment', 'tagpilot-controller') as K8sObject & {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    expect(pod.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    const operatorSa = find(objects, 'ServiceAccount', 'tagpilot-operator') as K8sObject & {
      metadata: { annotations?: Record<string, string> };
    };
    expect(operatorSa.metadata.annotations).toBeUndefined();
  },
};

describe('helm chart', () => {
  it('passes helm lint --strict with default values and with every toggle', async () => {
    for (const t of [...TOGGLES, ALL_AT_ONCE]) {
      const r = await helm(['lint', '--strict', chartDir, '--values', '-'], {
        input: JSON.stringify(t.values),
      });
      expect({ toggle: t.name, code: r.code, out: r.code ? r.stdout + r.stderr : '' }).toEqual({
        toggle: t.name,
        code: 0,
        out: '',
      });
    }
  });

  it('has a check for every toggle', () => {
    expect(Object.keys(CHECKS).sort()).toEqual(TOGGLES.map((t) => t.name).sort());
  });

  it.each(TOGGLES.map((t) => [t.name, t] as const))('renders with %s', async (name, toggle) => {
    const objects = parseManifests(await renderChart(toggle.values));
    CHECKS[name]!(objects);
    for (const c of ['operator', 'controller']) {
      const release = (toggle.values.fullnameOverride as string | undefined) ?? 'tagpilot';
      const spec = podSpec(find(objects, 'Deployment', `${release}-${c}`));
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(spec.containers[0]!.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('renders every toggle at once', async () => {
    const objects = parseManifests(await renderChart(ALL_AT_ONCE.values));
    expect(kinds(objects)).toEqual(
      expect.arrayContaining(['NetworkPolicy', 'ServiceMonitor', 'Certificate']),
    );
    expect(container(objects, 'controller', 'tp').env?.map((e) => e.name)).toContain('NODE_EXTRA_CA_CERTS');
  });

  // Templates, not the crds/ folder: Helm installs crds/ once and never upgrades them.
  it('renders the CRDs from templates, kept on uninstall, with the release labels', async () => {
    const objects = parseManifests(await renderChart({}, { includeCrds: true, release: 'tp' }));
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((o) => o.metadata.name).sort()).toEqual([
      'alertconfigs.tagpilot.dev',
      'images.tagpilot.dev',
    ]);
    for (const crd of crds) {
      expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      expect(crd.metadata.labels).toMatchObject({
        'app.kubernetes.io/instance': 'tp',
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/part-of': 'tagpilot',
      });
      // The definition is the generated one, unchanged: the same spec as crds/*.yaml.
      const source = parse(
        readFileSync(
          join(chartDir, '../../crds', `tagpilot.dev_${crd.metadata.name.split('.')[0]}.yaml`),
          'utf8',
        ),
      ) as { spec: unknown };
      expect((crd as unknown as { spec: unknown }).spec).toEqual(source.spec);
    }
    const none = parseManifests(await renderChart({ crds: { install: false } }));
    expect(kinds(none)).not.toContain('CustomResourceDefinition');
  });

  it('prints next steps after install (NOTES.txt)', async () => {
    const r = await helm(['install', 'tp', chartDir, '--dry-run=client', '--namespace', 'tp-ns']);
    expect(r.stderr).toBe('');
    const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
    expect(notes).toContain(
      'kubectl -n tp-ns rollout status deploy/tp-tagpilot-operator deploy/tp-tagpilot-controller',
    );
    expect(notes).toContain('kubectl get images -A');
    expect(notes).toContain('kind: Image');
    expect(notes).toContain('docs/quickstart.md');
    const scoped = await helm(['install', 'tp', chartDir, '--dry-run=client', '--values', '-'], {
      input: JSON.stringify({ watchNamespaces: ['team-a'], crds: { install: false } }),
    });
    expect(scoped.stdout).toContain('namespace: team-a');
    expect(scoped.stdout).toContain('kubectl get crd images.tagpilot.dev alertconfigs.tagpilot.dev');
  });

  // Bad values fail at `helm install` (helm validates against values.schema.json before rendering).
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a misspelt key', { operator: { replicass: 3 } }, /replicass/],
    ['an unknown top-level key', { webhooks: {} }, /webhooks/],
    ['a failure policy that does not exist', { webhook: { failurePolicy: 'Never' } }, /failurePolicy/],
    ['a webhook timeout above the apiserver limit', { webhook: { timeoutSeconds: 31 } }, /timeoutSeconds/],
    ['a log level that does not exist', { logLevel: 'verbose' }, /logLevel/],
    ['a privileged port', { controller: { port: 80 } }, /port/],
    ['a namespace name with capitals', { watchNamespaces: ['Team-A'] }, /watchNamespaces/],
    ['replicas as a string', { operator: { replicas: 'two' } }, /replicas/],
    ['a digest that is not sha256', { controller: { image: { digest: 'latest' } } }, /digest/],
    ['a CA bundle that is not PEM', { registry: { caBundle: 'not a certificate' } }, /caBundle/],
    [
      'an issuer kind cert-manager does not have',
      { webhook: { certManager: { issuerRef: { name: 'x', kind: 'Vault' } } } },
      /kind/,
    ],
    ['extra args without dashes', { controller: { extraArgs: ['dry-run'] } }, /extraArgs/],
    ['a scrape interval without unit', { serviceMonitor: { interval: '30' } }, /interval/],
  ])('rejects %s', async (_what, values, field) => {
    const r = await helmTemplate(values);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(field);
  });

  it('describes every key of values.yaml in values.schema.json, and nothing else', () => {
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as SchemaNode;
    const missing: string[] = [];
    const undescribed: string[] = [];
    // Groups (objects with described keys) are walked into; anything else is one value.
    const isGroup = (s: SchemaNode) =>
      Object.values(s.properties ?? {}).some((c) => c.description !== undefined);
    const walk = (v: unknown, s: SchemaNode | undefined, path: string) => {
      if (!s) return missing.push(path);
      if (path !== '' && !isGroup(s)) {
        if (s.description === undefined) undescribed.push(path);
        return;
      }
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, child] of Object.entries(v)) walk(child, s.properties?.[k], path ? `${path}.${k}` : k);
      }
    };
    walk(values, schema, '');
    expect({ missing, undescribed }).toEqual({ missing: [], undescribed: [] });
    // And the other way: every described schema value has a default in values.yaml (except `global`).
    const absent: string[] = [];
    const back = (s: SchemaNode, v: unknown, path: string) => {
      for (const [k, child] of Object.entries(s.properties ?? {})) {
        const p = path ? `${path}.${k}` : k;
        const value = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
        if (child.description !== undefined && value === undefined && p !== 'global') absent.push(p);
        if (value !== undefined) back(child, value, p);
      }
    };
    back(schema, values, '');
    expect(absent).toEqual([]);
  });
});

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
}
