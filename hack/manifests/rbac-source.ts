// The RBAC source model: the least-privilege roles the operator and controller authors keep in
// config/rbac/operator*.yaml and config/rbac/controller*.yaml (kustomize uses them as they are), read and
// split by scope. rbac-chart.ts and rbac.ts derive every install path's RBAC from it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const COMPONENTS = ['operator', 'controller'] as const;
export type Component = (typeof COMPONENTS)[number];

/** Where the kustomize install lives; the chart uses the release namespace instead. */
export const INSTALL_NAMESPACE = 'tagpilot-system';
/** The namespace the namespaced overlay watches (one place to change, see docs/install.md). */
export const WATCHED_NAMESPACE = 'apps';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

export interface RbacObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: PolicyRule[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

export interface SourceRole {
  component: Component;
  file: string;
  kind: 'ClusterRole' | 'Role';
  name: string;
  rules: PolicyRule[];
}

/**
 * Resources that are not namespaced, by API group. A namespaced install can only grant these through a
 * ClusterRole. Anything not listed is treated as namespaced: if a cluster-scoped resource were missing
 * here, the namespaced overlay's dry-run apply and e2e test would show the program failing.
 */
export const CLUSTER_SCOPED: Readonly<Record<string, readonly string[]>> = {
  '': ['namespaces', 'nodes', 'persistentvolumes', 'componentstatuses'],
  'admissionregistration.k8s.io': [
    'mutatingwebhookconfigurations',
    'validatingwebhookconfigurations',
    'validatingadmissionpolicies',
    'validatingadmissionpolicybindings',
  ],
  'apiextensions.k8s.io': ['customresourcedefinitions'],
  'apiregistration.k8s.io': ['apiservices'],
  'rbac.authorization.k8s.io': ['clusterroles', 'clusterrolebindings'],
  'authentication.k8s.io': ['tokenreviews', 'selfsubjectreviews'],
  'authorization.k8s.io': ['subjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  'certificates.k8s.io': ['certificatesigningrequests'],
  'storage.k8s.io': ['storageclasses', 'volumeattachments', 'csidrivers', 'csinodes'],
  'scheduling.k8s.io': ['priorityclasses'],
  'node.k8s.io': ['runtimeclasses'],
  'flowcontrol.apiserver.k8s.io': ['flowschemas', 'prioritylevelconfigurations'],
};

export function isClusterScoped(apiGroup: string, resource: string): boolean {
  const base = resource.split('/')[0]!;
  return (CLUSTER_SCOPED[apiGroup] ?? []).includes(base);
}

/**
 * Splits rules into those on cluster-scoped resources (plus nonResourceURLs) and those on namespaced
 * ones. A rule mixing both is cut in two; a rule naming several API groups is cut per group first, so
 * each piece keeps exactly the permissions of the original.
 */
export function splitByScope(rules: readonly PolicyRule[]): {
  cluster: PolicyRule[];
  namespaced: PolicyRule[];
} {
  const cluster: PolicyRule[] = [];
  const namespaced: PolicyRule[] = [];
  for (const rule of rules) {
    if (rule.nonResourceURLs?.length) {
      cluster.push(rule);
      continue;
    }
    for (const group of rule.apiGroups ?? ['']) {
      const resources = rule.resources ?? [];
      const c = resources.filter((r) => isClusterScoped(group, r));
      const n = resources.filter((r) => !isClusterScoped(group, r));
      const piece = (res: string[]): PolicyRule => ({ ...rule, apiGroups: [group], resources: res });
      if (c.length) cluster.push(piece(c));
      if (n.length) namespaced.push(piece(n));
    }
  }
  return { cluster: mergeGroups(cluster), namespaced: mergeGroups(namespaced) };
}

/** Undoes the per-group cut where it changed nothing: consecutive pieces of one rule with equal fields. */
function mergeGroups(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const r of rules) {
    const prev = out[out.length - 1];
    const same = (a: PolicyRule, b: PolicyRule) =>
      JSON.stringify({ ...a, apiGroups: [] }) === JSON.stringify({ ...b, apiGroups: [] });
    if (prev && same(prev, r)) prev.apiGroups = [...(prev.apiGroups ?? []), ...(r.apiGroups ?? [])];
    else out.push({ ...r });
  }
  return out;
}

/** The source files, component by component, sorted so output is stable. */
export function sourceFiles(root: string): { component: Component; file: string }[] {
  const dir = join(root, 'config/rbac');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .map((f) => ({ component: COMPONENTS.find((c) => f.startsWith(c)), file: f }))
    .filter((x): x is { component: Component; file: string } => x.component !== undefined)
    .sort((a, b) => a.file.localeCompare(b.file));
}

export function readSourceObjects(
  root: string,
): { component: Component; file: string; object: RbacObject }[] {
  const out: { component: Component; file: string; object: RbacObject }[] = [];
  for (const { component, file } of sourceFiles(root)) {
    const text = readFileSync(join(root, 'config/rbac', file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`config/rbac/${file}: ${doc.errors[0]!.message}`);
      const object = doc.toJS() as RbacObject | null;
      if (object) out.push({ component, file, object });
    }
  }
  return out;
}

export function sourceRoles(root: string): SourceRole[] {
  const roles = readSourceObjects(root)
    .filter(({ object }) => object.kind === 'ClusterRole' || object.kind === 'Role')
    .map(({ component, file, object }) => ({
      component,
      file,
      kind: object.kind as 'ClusterRole' | 'Role',
      name: object.metadata.name,
      rules: object.rules ?? [],
    }));
  // In a namespaced install a ClusterRole's namespaced rules become Roles named `<name>-watched`,
  // which may land in the install namespace next to the source Roles.
  for (const r of roles.filter((x) => x.kind === 'Role')) {
    if (roles.some((x) => x.kind === 'ClusterRole' && watchedRoleName(x.name) === r.name))
      throw new Error(
        `config/rbac/${r.file}: Role ${r.name} would collide with a namespaced install's Role; rename it`,
      );
  }
  return roles;
}

export const serviceAccountName = (c: Component) => `tagpilot-${c}`;

/** Name of the Role that carries a ClusterRole's namespaced rules into each watched namespace. */
export const watchedRoleName = (clusterRoleName: string) => `${clusterRoleName}-watched`;

/** `tagpilot-operator-leader` → `operator-leader`: the part the chart appends to its full name. */
export function nameSuffix(name: string): string {
  if (!name.startsWith('tagpilot-'))
    throw new Error(
      `RBAC object ${name}: names in config/rbac must start with "tagpilot-" (the chart prefixes them)`,
    );
  return name.slice('tagpilot-'.length);
}
