// Test doubles for evaluate.test.ts: a registry, the Image "in the API" and workloads, plus setup() wiring
import type { V1Pod } from '@kubernetes/client-node';
// them into an Evaluator. Excluded from the build (tsconfig.build.json).
import { pino } from 'pino';
import type { Image, ImageSpec, ImageStatus } from '../../crds/index.js';
import type { AlertRequest, AlertSender } from '../actions/types.js';
import { repositoriesOf } from '../kube/pod-spec.js';
import type { Workload } from '../kube/workloads.js';
import type { EventRecorder } from '../kube/events.js';
import type { ImageApi } from '../kube/images.js';
import type { PodReader } from '../kube/pods.js';
import type { PullSecretReader } from '../kube/secrets.js';
import type { WorkloadClient } from '../kube/workloads.js';
import {
  RegistryNotFoundError,
  type PlatformImage,
  type RegistryAccess,
  type RegistryClient,
} from '../registry/index.js';
import { Evaluator, type Trigger } from './evaluate.js';

export const REPO = 'registry.example.com/team/web';
export const digestOf = (tag: string) =>
  `sha256:${Buffer.from(tag).toString('hex').padEnd(64, '0').slice(0, 64)}`;

/** A registry with a tag list and per-tag platforms; throws `fail` when set. */
class FakeRegistry {
  tags: string[] = ['v1.0.0'];
  digests: Record<string, string> = {};
  platforms: Record<string, string[]> = {};
  /** Image config `created` per tag (newest-build). */
  created: Record<string, string> = {};
  /** Tags that exist (a manifest HEAD finds them) although the listing does not show them yet. */
  unlisted: string[] = [];
  fail: Error | undefined;
  calls: string[] = [];
  /** The access (credentials, TLS) of every request, in order. */
  accesses: RegistryAccess[] = [];
  async listTags(_ref: unknown, access: RegistryAccess, opts: { fresh?: boolean } = {}) {
    this.accesses.push(access);
    this.calls.push(`tags${opts.fresh ? ' fresh' : ''}`);
    if (this.fail) throw this.fail;
    return this.tags;
  }
  async getDigest(_ref: unknown, tag: string, access: RegistryAccess) {
    this.accesses.push(access);
    this.calls.push(`digest ${tag}`);
    if (this.fail) throw this.fail;
    if (!this.tags.includes(tag) && !this.unlisted.includes(tag))
      throw new RegistryNotFoundError(`${tag} not found`, { status: 404 });
    return this.digests[tag] ?? digestOf(tag);
  }
  async getCreated(_ref: unknown, tag: string) {
    this.calls.push(`created ${tag}`);
    if (!this.tags.includes(tag) && !this.unlisted.includes(tag))
      throw new RegistryNotFoundError(`${tag} not found`, { status: 404 });
    return this.created[tag];
  }
  async getPlatforms(_ref: unknown, tag: string): Promise<PlatformImage[]> {
    this.calls.push(`platforms ${tag}`);
    return (this.platforms[tag] ?? ['linux/amd64']).map((p) => {
      const [os = '', architecture = ''] = p.split('/');
      return { platform: { os, architecture }, digest: digestOf(`${tag}-${p}`) };
    });
  }
}

/**
 * The Image "in the API": status applies merge the way server-side apply does for one field manager —
 * fields it applied before and leaves out now are removed, conditions merge by type, other fields stay.
 */
class FakeImages {
  image: Image;
  patches: Record<string, unknown>[] = [];
  metadataPatches: object[][] = [];
  private rv = 1;
  private applied = new Set<string>();
  constructor(spec: Partial<ImageSpec>) {
    this.image = {
      apiVersion: 'tagpilot.dev/v1alpha1',
      kind: 'Image',
      metadata: { name: 'web', namespace: 'ns', generation: 1, resourceVersion: '1', annotations: {} },
      spec: {
        image: REPO,
        baseTag: 'v1.0.0',
        triggers: [{ type: 'crontab', value: '@every 1m' }],
        rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
        // The check's tests; the health gate's tests turn it on.
        healthGate: { enabled: false, timeout: '5m' },
        ...spec,
      },
    };
  }
  bump() {
    this.image = { ...this.image, metadata: { ...this.image.metadata, resourceVersion: String(++this.rv) } };
  }
  api = {
    get: async () => structuredClone(this.image),
    applyStatus: async (_target: { namespace: string; name: string }, applied: ImageStatus) => {
      this.patches.push(applied as Record<string, unknown>);
      const status = { ...(this.image.status ?? {}) } as Record<string, unknown>;
      for (const k of this.applied) if (k !== 'conditions' && !(k in applied)) delete status[k];
      const types = new Set((applied.conditions ?? []).map((c) => c.type));
      for (const [k, v] of Object.entries(applied)) {
        if (k !== 'conditions') status[k] = v;
      }
      status.conditions = [
        ...(this.image.status?.conditions ?? []).filter((c) => !types.has(c.type)),
        ...(applied.conditions ?? []),
      ];
      this.applied = new Set(Object.keys(applied));
      this.image = { ...this.image, status };
      this.bump();
      return structuredClone(this.image);
    },
    jsonPatch: async (_ns: string, _name: string, ops: object[]) => {
      this.metadataPatches.push(ops);
      const annotations = { ...this.image.metadata.annotations };
      for (const op of ops as { op: string; path: string }[]) {
        if (op.op !== 'remove') continue;
        const key = op.path.replace('/metadata/annotations/', '').replace(/~1/g, '/').replace(/~0/g, '~');
        delete annotations[key];
      }
      this.image = { ...this.image, metadata: { ...this.image.metadata, annotations } };
      this.bump();
      return structuredClone(this.image);
    },
  };
}

/** The Pods the health gate lists; each test sets them. */
export class FakePods implements PodReader {
  pods: V1Pod[] = [];
  /** Whether the Pod watch cache is live (the gate's slow poll needs it). */
  live = true;
  async list(): Promise<V1Pod[]> {
    return structuredClone(this.pods);
  }
  async watching(): Promise<boolean> {
    return this.live;
  }
}

class FakeWorkloads implements WorkloadClient {
  deployment: Workload = {
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns' },
    spec: { template: { spec: { containers: [{ name: 'main', image: `${REPO}:v1.0.0` }] } } },
  };
  failPatch: Error | undefined;
  patched: object[][] = [];
  restarted: string[] = [];
  /** Whether the workload watch caches are live (the gate's slow poll needs it). */
  live = true;
  async watching(): Promise<boolean> {
    return this.live;
  }
  async list() {
    return [structuredClone(this.deployment)];
  }
  async listUsing(_ns: string, repository: string) {
    return (await this.list()).filter((w) => repositoriesOf(w).has(repository));
  }
  async get() {
    return structuredClone(this.deployment);
  }
  async find(kind: Workload['kind'], _ns: string, name: string) {
    return (await this.list()).find((w) => w.kind === kind && w.metadata.name === name);
  }
  async jsonPatch(_k: Workload['kind'], _ns: string, _name: string, ops: object[]) {
    if (this.failPatch) throw this.failPatch;
    this.patched.push(ops);
    const replace = ops.find((o) => (o as { op: string }).op === 'replace') as { value: string };
    const containers = (this.deployment.spec as { template: { spec: { containers: { image: string }[] } } })
      .template.spec.containers;
    containers[0]!.image = replace.value;
    return structuredClone(this.deployment);
  }
  async strategicPatch(_k: Workload['kind'], _ns: string, name: string) {
    this.restarted.push(name);
    return structuredClone(this.deployment);
  }
}

export function setup(
  spec: Partial<ImageSpec> = {},
  opts: { dryRun?: boolean; alert?: boolean; watchedPollMs?: number } = {},
) {
  const registry = new FakeRegistry();
  const images = new FakeImages(spec);
  const workloads = new FakeWorkloads();
  const pods = new FakePods();
  const events: string[] = [];
  /** `reason: message` of every Event, in order. */
  const eventLines: string[] = [];
  const recorder: EventRecorder = {
    record: async (_t, _type, reason, message) => {
      events.push(reason);
      eventLines.push(`${reason}: ${message}`);
    },
  };
  /** What the alert sender was asked to send (only with opts.alert). */
  const alerts: AlertRequest[] = [];
  const alert: AlertSender = async (req) => {
    alerts.push(req);
    return { summary: `sent through AlertConfig ${req.action.alertConfigRef?.name}` };
  };
  const log = pino({ level: 'silent' });
  const results: string[] = [];
  const secretReads: string[] = [];
  const now = { at: new Date('2026-01-01T00:00:00Z') };
  const evaluator = new Evaluator({
    images: images.api as unknown as ImageApi,
    cache: { getByKey: () => structuredClone(images.image), upsert: () => undefined },
    registry: registry as unknown as RegistryClient,
    secrets: {
      read: async (ns: string, refs: { name: string }[]) =>
        refs.map(
          (r) => (
            secretReads.push(`${ns}/${r.name}`),
            {
              metadata: { name: r.name },
              type: 'kubernetes.io/dockerconfigjson',
              data: {
                '.dockerconfigjson': Buffer.from(
                  JSON.stringify({ auths: { 'registry.example.com': { username: 'u', password: 'p' } } }),
                ).toString('base64'),
              },
            }
          ),
        ),
    } as unknown as PullSecretReader,
    actions: {
      workloads,
      events: recorder,
      log,
      dryRun: opts.dryRun ?? false,
      ...(opts.alert ? { alert } : {}),
    },
    pods,
    events: recorder,
    log,
    dryRun: opts.dryRun ?? false,
    heartbeatMs: 3_600_000,
    ...(opts.watchedPollMs !== undefined ? { healthWatchedPollMs: opts.watchedPollMs } : {}),
    nextCheck: () => new Date(Date.now() + 60_000),
    now: () => now.at,
    onResult: (r) => results.push(r),
  });
  const run = (...reasons: Trigger[]) =>
    evaluator.evaluate('ns/web', new Set(reasons.length ? reasons : ['cron']));
  return {
    registry,
    images,
    workloads,
    pods,
    events,
    eventLines,
    alerts,
    evaluator,
    run,
    results,
    secretReads,
    now,
  };
}
