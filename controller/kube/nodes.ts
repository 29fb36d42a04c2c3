// The platform of each node (kubernetes.io/os and kubernetes.io/arch labels), for running-pod truth.
// Listed at most once a minute and kept as name → platform only: nodes change rarely, and a list of a
// few hundred Nodes costs less than an informer holding every Node object with its status.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { nodePlatform } from '../../domain/pods/truth.js';
import type { Platform } from '../../domain/image/platform.js';
import { TtlCache } from '../registry/cache.js';

export interface NodeReader {
  platforms(): Promise<ReadonlyMap<string, Platform>>;
}

const NODES_TTL_MS = 60_000;

export class KubeNodeReader implements NodeReader {
  private readonly api: CoreV1Api;
  private readonly cache = new TtlCache<ReadonlyMap<string, Platform>>({
    ttlMs: NODES_TTL_MS,
    maxEntries: 1,
  });

  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }

  platforms(): Promise<ReadonlyMap<string, Platform>> {
    return this.cache.get('nodes', async () => {
      const map = new Map<string, Platform>();
      let _continue: string | undefined;
      do {
        const page = await this.api.listNode({ limit: 500, ...(_continue ? { _continue } : {}) });
        for (const n of page.items) {
          const p = nodePlatform(n.metadata?.labels);
          if (n.metadata?.name && p) map.set(n.metadata.name, p);
        }
        _continue = page.metadata?._continue || undefined;
      } while (_continue);
      return map;
    });
  }
}
