// The kustomize overlays build, and each one does what its name says.
import { describe, expect, it } from 'vitest';
import { find, kustomizeBuild, OVERLAYS, parseManifests, podSpec, type K8sObject } from './render.js';

const args = (objects: K8sObject[], component: string) =>
  podSpec(find(objects, 'Deployment', `tagpilot-${component}`)).containers[0]!.args ?? [];
const replicas = (objects: K8sObject[], component: string) =>
  (find(objects, 'Deployment', `tagpilot-${component}`) as unknown as { spec: { replicas: number } }).spec
    .replicas;

describe('kustomize overlays', () => {
  it.each(OVERLAYS)('config/overlays/%s builds', async (overlay) => {
    const objects = parseManifests(await kustomizeBuild(overlay));
    for (const kind of ['CustomResourceDefinition', 'Deployment', 'Service', 'ServiceAccount'])
      expect(objects.some((o) => o.kind === kind)).toBe(true);
    // Every namespaced object is in tagpilot-system, or (namespaced overlay) in the watched namespace.
    for (const o of objects) {
      if (['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind))
        continue;
      expect([o.kind, o.metadata.name, o.metadata.namespace]).toEqual([
        o.kind,
        o.metadata.name,
        overlay === 'namespaced' && o.metadata.name.endsWith('-watched') ? 'apps' : 'tagpilot-system',
      ]);
    }
  });

  it('default: cluster-wide, two replicas each, the operator issues its own certificates', async () => {
    const objects = parseManifests(await kustomizeBuild('default'));
    expect(replicas(objects, 'operator')).toBe(2);
    expect(replicas(objects, 'controller')).toBe(2);
    expect(args(objects, 'operator')).toContain('--self-signed-certs=true');
    expect(args(objects, 'controller').some((a) => a.startsWith('--namespaces'))).toBe(false);
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(2);
  });

  it('dev: one replica, debug logs, no PodDisruptionBudget, dev images', async () => {
    const objects = parseManifests(await kustomizeBuild('dev'));
    for (const c of ['operator', 'controller']) {
      expect(replicas(objects, c)).toBe(1);
      expect(args(objects, c)).toContain('--log-level=debug');
      expect(podSpec(find(objects, 'Deployment', `tagpilot-${c}`)).containers[0]!.image).toBe(
        `ghcr.io/tagpilot/tagpilot-${c}:dev`,
      );
    }
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(0);
  });

  it('cert-manager: a Certificate for the Secret the operator reads, and the operator stops issuing', async () => {
    const objects = parseManifests(await kustomizeBuild('cert-manager'));
    expect(args(objects, 'operator')).toContain('--self-signed-certs=false');
    const cert = find(objects, 'Certificate', 'tagpilot-operator-webhook') as unknown as {
      spec: { secretName: string; dnsNames: string[] };
    };
    expect(args(objects, 'operator')).toContain(`--webhook-cert-secret=${cert.spec.secretName}`);
    expect(cert.spec.dnsNames).toContain('tagpilot-operator-webhook.tagpilot-system.svc');
    expect(find(objects, 'Service', 'tagpilot-operator-webhook')).toBeDefined();
  });

  it('namespaced: both programs watch "apps" through Roles there; ClusterRoles keep only cluster-scoped rules', async () => {
    const objects = parseManifests(await kustomizeBuild('namespaced'));
    for (const c of ['operator', 'controller']) expect(args(objects, c)).toContain('--namespaces=apps');
    const watched = objects.filter((o) => o.kind === 'Role' && o.metadata.namespace === 'apps');
    expect(watched.map((r) => r.metadata.name).sort()).toEqual([
      'tagpilot-controller-watched',
      'tagpilot-operator-watched',
    ]);
    // Cluster-scoped: the operator's webhook configurations, and the Nodes the controller reads for the
    // platform of each running Pod (read-only).
    const clusterScoped = [
      'admissionregistration.k8s.io/mutatingwebhookconfigurations',
      'admissionregistration.k8s.io/validatingwebhookconfigurations',
      '/nodes',
    ];
    const granted: string[] = [];
    for (const cr of objects.filter((o) => o.kind === 'ClusterRole')) {
      const rules = (
        cr as unknown as { rules: { apiGroups?: string[]; resources?: string[]; verbs?: string[] }[] }
      ).rules;
      for (const rule of rules) {
        for (const g of rule.apiGroups ?? []) for (const r of rule.resources ?? []) granted.push(`${g}/${r}`);
        if (rule.resources?.includes('nodes')) expect(rule.verbs?.sort()).toEqual(['get', 'list', 'watch']);
      }
    }
    expect(granted.length).toBeGreaterThan(0);
    for (const g of granted) expect(clusterScoped).toContain(g);
  });
});
