// Renders the chart and the kustomize overlays with the helm and kubectl binaries of the npm layer
// package (test/testenv/tools.ts), and the value sets ("toggles") every test walks through.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { helm, runTool } from '../../testenv/tools.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const chartDir = join(repoRoot, 'charts/tagpilot');
export const OVERLAYS = ['default', 'dev', 'cert-manager', 'namespaced'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`rendered YAML does not parse: ${d.errors[0]!.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export interface Toggle {
  name: string;
  /** `--set`-free: values as an object, passed to helm as a JSON values file on stdin. */
  values: Record<string, unknown>;
  /** API groups whose CRDs must exist before the output can be applied. */
  needs?: ('cert-manager' | 'prometheus-operator')[];
}

const PEM = `-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUQ0ZqVXJ1ZXN0Q0EwHhcNMjQwMTAxMDAwMDAwWjAeFw0z
-----END CERTIFICATE-----
`;

/** Every value that changes what the chart renders, one toggle at a time, then all together. */
export const TOGGLES: Toggle[] = [
  { name: 'defaults', values: {} },
  { name: 'watchNamespaces', values: { watchNamespaces: ['tp-watch-a', 'tp-watch-b'] } },
  {
    name: 'certManager (self-signed CA)',
    values: { webhook: { certManager: { enabled: true } } },
    needs: ['cert-manager'],
  },
  {
    name: 'certManager (own ClusterIssuer)',
    values: {
      webhook: { certManager: { enabled: true, issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } } },
    },
    needs: ['cert-manager'],
  },
  { name: 'webhook failurePolicy Fail', values: { webhook: { failurePolicy: 'Fail', timeoutSeconds: 10 } } },
  {
    name: 'networkPolicy',
    values: {
      networkPolicy: {
        enabled: true,
        receiverFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } } }],
        metricsFrom: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
        extraEgress: [
          { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 3128, protocol: 'TCP' }] },
        ],
      },
    },
  },
  {
    name: 'serviceMonitor',
    values: { serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } } },
    needs: ['prometheus-operator'],
  },
  {
    name: 'registry proxy and CA bundle',
    values: {
      registry: {
        proxy: {
          httpsProxy: 'http://proxy:3128',
          httpProxy: 'http://proxy:3128',
          noProxy: '.svc,10.0.0.0/8',
        },
        caBundle: PEM,
      },
    },
  },
  {
    name: 'registry CA ConfigMap',
    values: { registry: { caBundleConfigMap: { name: 'corp-ca', key: 'bundle.pem' } } },
  },
  {
    name: 'controller dryRun, hook secrets, debug logs',
    values: { logLevel: 'debug', controller: { dryRun: true, hooks: { existingSecret: 'tagpilot-hooks' } } },
  },
  {
    name: 'one replica (no PDB), no leader election',
    values: { operator: { replicas: 1 }, controller: { replicas: 1 }, leaderElection: { enabled: false } },
  },
  {
    name: 'images by digest, pull secrets, scheduling',
    values: {
      imagePullSecrets: ['ghcr'],
      operator: {
        image: { digest: `sha256:${'a'.repeat(64)}` },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        priorityClassName: 'system-cluster-critical',
        podAnnotations: { 'example.com/a': 'b' },
        podLabels: { team: 'platform' },
        extraArgs: ['--shutdown-delay=10s'],
        extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=200' }],
      },
      controller: {
        image: { tag: '0.1.0-rc.1', pullPolicy: 'Always' },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'controller' } },
          },
        ],
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 1,
                preference: { matchExpressions: [{ key: 'pool', operator: 'In', values: ['system'] }] },
              },
            ],
          },
        },
      },
    },
  },
  {
    name: 'existing ServiceAccounts, no RBAC',
    values: {
      rbac: { create: false },
      operator: { serviceAccount: { create: false, name: 'my-operator' } },
      controller: { serviceAccount: { create: false, name: 'my-controller' } },
    },
  },
  {
    name: 'CRDs without the keep policy, with annotations',
    values: { crds: { install: true, keep: false, annotations: { 'example.com/owner': 'platform' } } },
  },
  {
    name: 'ServiceAccount names and annotations, fullnameOverride',
    values: {
      fullnameOverride: 'tp',
      controller: {
        serviceAccount: {
          name: 'tp-ctl',
          annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' },
        },
      },
    },
  },
  {
    name: 'cloud identities (IRSA, GKE and AKS Workload Identity)',
    values: {
      controller: {
        cloudIdentity: {
          awsRoleArn: 'arn:aws:iam::123456789012:role/tagpilot-registry',
          gcpServiceAccount: 'tagpilot@acme-prod.iam.gserviceaccount.com',
          azureClientId: '5f0c3f2e-1d7a-4c55-9a61-2b7de0f1a111',
        },
      },
    },
  },
];

/** All toggles at once: they must compose. */
export const ALL_AT_ONCE: Toggle = {
  name: 'every toggle together',
  values: TOGGLES.filter(
    (t) => !t.name.startsWith('existing') && !t.name.includes('own ClusterIssuer'),
  ).reduce((acc, t) => deepMerge(acc, t.values), {} as Record<string, unknown>),
  needs: ['cert-manager', 'prometheus-operator'],
};

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev) &&
      v &&
      typeof v === 'object' &&
      !Array.isArray(v)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /**
   * Keep the CRDs (templates/crds.yaml) in the output. Off by default, so checks of the programs' objects
   * need not skip two large CRDs; it sets crds.install=false unless the values set it.
   */
  includeCrds?: boolean;
}

/** `helm template`; rejects with helm's stderr when rendering fails (e.g. a schema violation). */
export async function renderChart(
  values: Record<string, unknown>,
  opts: RenderOptions = {},
): Promise<string> {
  const r = await helmTemplate(values, opts);
  if (r.code !== 0) throw new Error(`helm template failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export function helmTemplate(values: Record<string, unknown>, opts: RenderOptions = {}) {
  const crds = (values.crds ?? {}) as Record<string, unknown>;
  const withCrds =
    opts.includeCrds || 'install' in crds ? values : { ...values, crds: { ...crds, install: false } };
  return helm(
    [
      'template',
      opts.release ?? 'tagpilot',
      chartDir,
      '--namespace',
      opts.namespace ?? 'tagpilot-system',
      '--values',
      '-',
    ],
    { input: JSON.stringify(withCrds) },
  );
}

export async function kustomizeBuild(overlay: Overlay): Promise<string> {
  const r = await runTool('kubectl', ['kustomize', join(repoRoot, 'config/overlays', overlay)]);
  if (r.code !== 0)
    throw new Error(`kubectl kustomize config/overlays/${overlay} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export const find = (objects: readonly K8sObject[], kind: string, name: string, namespace?: string) =>
  objects.find(
    (o) =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );

export interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  image: string;
  imagePullPolicy?: string;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface PodSpec {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: {
    name: string;
    configMap?: { name: string; items?: { key: string }[] };
    secret?: { secretName: string };
  }[];
  imagePullSecrets?: { name: string }[];
  priorityClassName?: string;
}

export function podSpec(o: K8sObject | undefined): PodSpec {
  if (!o) throw new Error('no such Deployment in the rendered output');
  return (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}
