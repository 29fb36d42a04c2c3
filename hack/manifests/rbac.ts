// RBAC for every install path from ONE source: the least-privilege roles the operator and controller
// authors keep in config/rbac/operator*.yaml and config/rbac/controller*.yaml (kustomize uses them as
// they are). From them this module derives
//   - charts/tagpilot/templates/_rbac-rules.tpl: the same rules as named templates for the chart, with
//     release-specific names (`tagpilot-…` → `<fullname>-…`) templated;
//   - config/rbac/kustomization.yaml, plus ServiceAccounts and bindings for roles that have none;
//   - config/overlays/namespaced/rbac/: the rules split by scope, namespaced ones as Roles in the watched
//     namespace, cluster-scoped ones (webhook configurations, …) kept in a small ClusterRole.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

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

const serviceAccountName = (c: Component) => `tagpilot-${c}`;

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

// ---------------------------------------------------------------------------------------------------
// Chart

/** Rules as YAML with `tagpilot-…` resourceNames templated to the release's full name. */
function rulesTemplate(rules: readonly PolicyRule[]): string {
  const yaml = stringify(rules, { lineWidth: 0 }).trimEnd();
  return yaml.replace(
    /^(\s*- )tagpilot-([a-z0-9-]*)$/gm,
    (_m, lead: string, rest: string) => `${lead}{{ include "tagpilot.fullname" . }}-${rest}`,
  );
}

export function chartRulesTemplate(roles: readonly SourceRole[]): string {
  const parts = [
    '{{/* Code generated by hack/sync-manifests.ts from config/rbac/{operator,controller}*.yaml. DO NOT EDIT;',
    'run `make manifests`. Used by rbac.yaml. */}}',
  ];
  const define = (name: string, body: string) =>
    parts.push('', `{{- define "${name}" -}}`, body === '' ? '[]' : body, '{{- end }}');
  const list = (names: string[]) => JSON.stringify(names);
  for (const component of COMPONENTS) {
    const mine = roles.filter((r) => r.component === component);
    const clusterRoles = mine.filter((r) => r.kind === 'ClusterRole');
    const roleList = mine.filter((r) => r.kind === 'Role');
    // Index of the roles so rbac.yaml can range over them.
    define(`tagpilot.rbac.${component}.clusterRoles`, list(clusterRoles.map((r) => nameSuffix(r.name))));
    define(`tagpilot.rbac.${component}.roles`, list(roleList.map((r) => nameSuffix(r.name))));
    for (const r of clusterRoles) {
      const { cluster, namespaced } = splitByScope(r.rules);
      define(`tagpilot.rbac.clusterrole.${nameSuffix(r.name)}`, rulesTemplate(r.rules));
      define(
        `tagpilot.rbac.clusterrole.${nameSuffix(r.name)}.cluster`,
        cluster.length ? rulesTemplate(cluster) : '',
      );
      define(
        `tagpilot.rbac.clusterrole.${nameSuffix(r.name)}.namespaced`,
        namespaced.length ? rulesTemplate(namespaced) : '',
      );
    }
    for (const r of roleList) define(`tagpilot.rbac.role.${nameSuffix(r.name)}`, rulesTemplate(r.rules));
  }
  return `${parts.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------
// Kustomize

const HEADER = (what: string) =>
  `# Code generated by hack/sync-manifests.ts from config/rbac/{operator,controller}*.yaml. DO NOT EDIT;\n# run \`make manifests\`. ${what}\n`;

function yamlDocs(objects: readonly object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

function binding(
  kind: 'ClusterRoleBinding' | 'RoleBinding',
  roleKind: 'ClusterRole' | 'Role',
  name: string,
  component: Component,
  namespace?: string,
): RbacObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccountName(component), namespace: INSTALL_NAMESPACE }],
  };
}

function serviceAccount(component: Component): object {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: serviceAccountName(component), labels: { 'app.kubernetes.io/component': component } },
  };
}

/** ServiceAccounts and bindings the source files do not already provide. */
export function missingAccessObjects(root: string): object[] {
  const objects = readSourceObjects(root).map((o) => o.object);
  const have = (kind: string, name: string) =>
    objects.some((o) => o.kind === kind && o.metadata.name === name);
  const out: object[] = [];
  for (const component of COMPONENTS) {
    if (!have('ServiceAccount', serviceAccountName(component))) out.push(serviceAccount(component));
  }
  for (const r of sourceRoles(root)) {
    const bound = objects.some(
      (o) => (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') && o.roleRef?.name === r.name,
    );
    if (bound) continue;
    out.push(
      r.kind === 'ClusterRole'
        ? binding('ClusterRoleBinding', 'ClusterRole', r.name, r.component)
        : binding('RoleBinding', 'Role', r.name, r.component),
    );
  }
  return out;
}

/** Names of the bindings (source or generated) that grant a role. */
function bindingsOf(root: string, role: SourceRole): RbacObject[] {
  const all = [
    ...readSourceObjects(root).map((o) => o.object),
    ...(missingAccessObjects(root) as RbacObject[]),
  ];
  return all.filter(
    (o) => (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') && o.roleRef?.name === role.name,
  );
}

/**
 * The namespaced overlay: each source ClusterRole keeps only its cluster-scoped rules (a patch that
 * replaces `rules`; deleted with its bindings when none are left), and its namespaced rules become a Role
 * and RoleBinding in the watched namespace. Roles in the install namespace stay as they are.
 */
export function namespacedOverlay(root: string): { path: string; content: string }[] {
  const dir = 'config/overlays/namespaced';
  const files: { path: string; content: string }[] = [];
  const patches: string[] = [];
  const watched: object[] = [];
  for (const r of sourceRoles(root).filter((x) => x.kind === 'ClusterRole')) {
    const split = splitByScope(r.rules);
    const suffix = nameSuffix(r.name);
    if (split.cluster.length) {
      const file = `${suffix}-cluster-rules.gen.yaml`;
      files.push({
        path: `${dir}/${file}`,
        content:
          HEADER('Keeps only the rules on cluster-scoped resources.') +
          stringify(
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'ClusterRole',
              metadata: { name: r.name },
              rules: split.cluster,
            },
            { lineWidth: 0 },
          ),
      });
      patches.push(file);
    } else {
      for (const o of [{ kind: 'ClusterRole', metadata: { name: r.name } }, ...bindingsOf(root, r)]) {
        const file = `delete-${o.kind.toLowerCase()}-${nameSuffix(o.metadata.name)}.gen.yaml`;
        files.push({
          path: `${dir}/${file}`,
          content:
            HEADER('Nothing cluster-scoped is left of this role.') +
            stringify(
              {
                apiVersion: 'rbac.authorization.k8s.io/v1',
                kind: o.kind,
                metadata: { name: o.metadata.name },
                $patch: 'delete',
              },
              { lineWidth: 0 },
            ),
        });
        patches.push(file);
      }
    }
    if (split.namespaced.length) {
      watched.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: watchedRoleName(r.name), namespace: WATCHED_NAMESPACE },
        rules: split.namespaced,
      });
      watched.push(binding('RoleBinding', 'Role', watchedRoleName(r.name), r.component, WATCHED_NAMESPACE));
    }
  }
  files.push({
    path: `${dir}/watched-namespace.gen.yaml`,
    content: HEADER(`Roles in the watched namespace (${WATCHED_NAMESPACE}).`) + yamlDocs(watched),
  });
  const args = COMPONENTS.map(
    (c) => `  - target: { kind: Deployment, name: tagpilot-${c} }
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/args/-
        value: --namespaces=${WATCHED_NAMESPACE}`,
  );
  files.push({
    path: `${dir}/kustomization.yaml`,
    content: `# Code generated by hack/sync-manifests.ts (hack/manifests/rbac.ts). DO NOT EDIT; run \`make manifests\`.
# Tagpilot in ${INSTALL_NAMESPACE}, watching only namespace "${WATCHED_NAMESPACE}" (which must exist), with
# Roles there instead of ClusterRoles. To watch another namespace, copy this directory and replace
# "${WATCHED_NAMESPACE}" in watched-namespace.gen.yaml and below (docs/install.md).
# No \`namespace:\` here on purpose: it would move the Roles out of the watched namespace.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
labels:
  - pairs:
      app.kubernetes.io/name: tagpilot
      app.kubernetes.io/instance: tagpilot
      app.kubernetes.io/part-of: tagpilot
      app.kubernetes.io/managed-by: kustomize
resources:
  - ../../base
  - watched-namespace.gen.yaml
patches:
${patches.map((p) => `  - path: ${p}`).join('\n')}
${args.join('\n')}
`,
  });
  return files;
}

function kustomization(comment: string, resources: string[], extra = ''): string {
  return `${comment}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${extra}resources:\n${resources
    .map((r) => `  - ${r}`)
    .join('\n')}\n`;
}

export function rbacOutputs(root: string): { path: string; content: string }[] {
  const roles = sourceRoles(root);
  const files = sourceFiles(root).map((f) => f.file);
  const out: { path: string; content: string }[] = [];
  out.push({ path: 'charts/tagpilot/templates/_rbac-rules.tpl', content: chartRulesTemplate(roles) });

  const access = missingAccessObjects(root);
  const rbacResources = [...files];
  if (access.length) {
    out.push({
      path: 'config/rbac/access.gen.yaml',
      content: HEADER('ServiceAccounts and bindings for the roles above.') + yamlDocs(access),
    });
    rbacResources.push('access.gen.yaml');
  }
  out.push({
    path: 'config/rbac/kustomization.yaml',
    content: kustomization(
      HEADER('The RBAC of a cluster-wide install: every role file of config/rbac.'),
      rbacResources,
    ),
  });

  out.push(...namespacedOverlay(root));
  return out;
}
