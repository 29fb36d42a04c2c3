// Informer caches of the kinds the operator reads, for every watched namespace (or the whole cluster),
// with the transforms that keep memory small and Secret values out of it (common/cache.ts holds one
// informer per namespace).
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Secret,
} from '@kubernetes/client-node';
import { ALERT_CONFIG, IMAGE, type AlertConfig, type Image, type KindInfo } from '../crds/index.js';
import { Cache } from '../common/cache.js';
import { withoutManagedFields } from '../common/compact.js';
import { Informer, type ListPage } from '../common/informer.js';
import type { Logger } from '../common/logger.js';
import { compactImage } from './compact-image.js';

/** A Secret or ConfigMap reduced to its key names and whether each value is non-empty. */
export interface KeysObject extends KubernetesObject {
  keys: Record<string, boolean>;
}

function keysOf(obj: V1Secret | V1ConfigMap, kind: 'Secret' | 'ConfigMap'): KeysObject {
  const keys: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(obj.data ?? {})) keys[k] = v !== '';
  if (kind === 'ConfigMap')
    for (const [k, v] of Object.entries((obj as V1ConfigMap).binaryData ?? {})) keys[k] = v !== '';
  const m = obj.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind,
    metadata: { name: m.name, namespace: m.namespace, resourceVersion: m.resourceVersion, uid: m.uid },
    keys,
  };
}

type Page = { limit: number; continueToken?: string };

const pageParams = (page: Page) => ({
  limit: page.limit,
  ...(page.continueToken ? { _continue: page.continueToken } : {}),
});

export interface CacheContext {
  kubeConfig: KubeConfig;
  namespaces: readonly string[];
  log: Logger;
}

function customCache<T extends KubernetesObject>(
  ctx: CacheContext,
  kind: KindInfo,
  transform: (obj: T) => T = withoutManagedFields,
): Cache<T> {
  const custom = ctx.kubeConfig.makeApiClient(CustomObjectsApi);
  const { group, version, plural } = kind;
  return new Cache<T>(ctx.namespaces, (ns) => {
    const path =
      ns === undefined
        ? `/apis/${group}/${version}/${plural}`
        : `/apis/${group}/${version}/namespaces/${ns}/${plural}`;
    const list = (page: Page) => {
      const params = { group, version, plural, ...pageParams(page) };
      return (
        ns === undefined
          ? custom.listClusterCustomObject(params)
          : custom.listNamespacedCustomObject({ ...params, namespace: ns })
      ) as Promise<ListPage<T>>;
    };
    return new Informer<T>({
      kubeConfig: ctx.kubeConfig,
      path,
      list,
      transform,
      log: ctx.log,
      name: `${plural}${ns ? ` in ${ns}` : ''}`,
    });
  });
}

export function imageCache(ctx: CacheContext): Cache<Image> {
  return customCache<Image>(ctx, IMAGE, compactImage);
}

export function alertConfigCache(ctx: CacheContext): Cache<AlertConfig> {
  return customCache<AlertConfig>(ctx, ALERT_CONFIG);
}

/** Key names of Secrets (or ConfigMaps); values are dropped before anything is cached. */
export function keysCache(ctx: CacheContext, kind: 'Secret' | 'ConfigMap'): Cache<KeysObject> {
  const core = ctx.kubeConfig.makeApiClient(CoreV1Api);
  const plural = kind === 'Secret' ? 'secrets' : 'configmaps';
  return new Cache<KeysObject>(ctx.namespaces, (ns) => {
    const path = ns === undefined ? `/api/v1/${plural}` : `/api/v1/namespaces/${ns}/${plural}`;
    // Pages bound how many full Secrets are in memory at once before the transform drops their values.
    const list = async (page: Page): Promise<ListPage<KeysObject>> => {
      const p = pageParams(page);
      const result =
        kind === 'Secret'
          ? ns === undefined
            ? await core.listSecretForAllNamespaces(p)
            : await core.listNamespacedSecret({ namespace: ns, ...p })
          : ns === undefined
            ? await core.listConfigMapForAllNamespaces(p)
            : await core.listNamespacedConfigMap({ namespace: ns, ...p });
      return { metadata: result.metadata, items: result.items as unknown as KeysObject[] };
    };
    return new Informer<KeysObject>({
      kubeConfig: ctx.kubeConfig,
      path,
      list,
      // The watch hands over full Secrets; this runs before the cache keeps anything.
      transform: (o) => ('keys' in o ? o : keysOf(o as unknown as V1Secret, kind)),
      log: ctx.log,
      name: `${plural}${ns ? ` in ${ns}` : ''}`,
    });
  });
}

/** The operator's own certificate Secret, with its values (every replica serves from it). */
export function certificateSecretInformer(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  log: Logger,
): Informer<V1Secret> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  return new Informer<V1Secret>({
    kubeConfig,
    path: `/api/v1/namespaces/${namespace}/secrets`,
    fieldSelector,
    list: (page) => core.listNamespacedSecret({ namespace, fieldSelector, ...pageParams(page) }),
    transform: withoutManagedFields,
    log,
    name: `certificate Secret ${namespace}/${name}`,
  });
}
