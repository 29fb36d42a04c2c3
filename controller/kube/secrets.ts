// Reads the pull secrets an Image names, from the Image's namespace. The controller has `get` on Secrets,
// not list/watch: it reads only what Images name. A short cache makes the Images of one namespace that
// share a Secret cost one read per tick, while a fixed Secret is picked up within seconds.
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import {
  ApiUnavailableError,
  PullSecretReadError,
  isTransientKubeError,
  kubeMessage,
  statusCode,
} from './errors.js';

export interface PullSecretReaderOptions {
  kubeConfig: KubeConfig;
  /** How long a read Secret (or its absence) is reused. Default 10 s. */
  ttlMs?: number;
  now?: () => number;
}

type Entry = { at: number; value: Promise<V1Secret> };

export class PullSecretReader {
  private readonly api: CoreV1Api;
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: PullSecretReaderOptions) {
    this.api = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.ttlMs = opts.ttlMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The Secrets named by `refs` (spec.imagePullSecrets), in order. Throws PullSecretReadError naming the
   * Secret and what to do when one is missing or cannot be read.
   */
  async read(namespace: string, refs: readonly { name: string }[]): Promise<V1Secret[]> {
    return Promise.all(refs.map((ref, i) => this.readOne(namespace, ref.name, i)));
  }

  private async readOne(namespace: string, name: string, index: number): Promise<V1Secret> {
    const key = `${namespace}/${name}`;
    const now = this.now();
    let entry = this.cache.get(key);
    if (!entry || now - entry.at >= this.ttlMs) {
      entry = { at: now, value: this.api.readNamespacedSecret({ namespace, name }) };
      this.cache.set(key, entry);
      if (this.cache.size > 5_000) this.prune(now);
    }
    try {
      return await entry.value;
    } catch (err) {
      const field = `spec.imagePullSecrets[${index}]`;
      const code = statusCode(err);
      if (code === 404) {
        throw new PullSecretReadError(
          `Secret "${name}" (${field}) does not exist in namespace "${namespace}"; create it (type kubernetes.io/dockerconfigjson) or remove it from spec.imagePullSecrets`,
          true,
        );
      }
      if (code === 403) {
        throw new PullSecretReadError(
          `the controller may not read Secret "${name}" (${field}) in namespace "${namespace}"; grant its ServiceAccount "get" on secrets (config/rbac/controller-role.yaml)`,
          true,
        );
      }
      if (isTransientKubeError(err)) {
        // The apiserver is unreachable or overloaded: not the Secret's fault, and not worth a status.
        this.cache.delete(key);
        throw new ApiUnavailableError(`reading Secret ${key}: ${kubeMessage(err)}`);
      }
      throw new PullSecretReadError(
        `could not read Secret "${name}" (${field}) in namespace "${namespace}": ${kubeMessage(err)}`,
        true,
      );
    }
  }

  private prune(now: number): void {
    for (const [key, entry] of this.cache) if (now - entry.at >= this.ttlMs) this.cache.delete(key);
  }
}
