// Image objects through the API: list pages and the watch path for the informer, fresh reads, status
// merge patches and JSON patches of metadata (the refresh annotation).
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { IMAGE, type Image } from '../../crds/index.js';
import type { ListPage } from '../../common/informer.js';

export const FIELD_MANAGER = 'tagpilot-controller';

export class ImageApi {
  private readonly api: CustomObjectsApi;
  private readonly base = { group: IMAGE.group, version: IMAGE.version, plural: IMAGE.plural };

  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Path the informer watches: every namespace, or one. */
  watchPath(namespace?: string): string {
    const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `/apis/${IMAGE.group}/${IMAGE.version}${ns}/${IMAGE.plural}`;
  }

  async list(
    namespace: string | undefined,
    page: { limit: number; continueToken?: string },
  ): Promise<ListPage<Image>> {
    const params = {
      ...this.base,
      limit: page.limit,
      ...(page.continueToken ? { _continue: page.continueToken } : {}),
    };
    const list = (await (namespace
      ? this.api.listNamespacedCustomObject({ ...params, namespace })
      : this.api.listClusterCustomObject(params))) as ListPage<Image>;
    return list;
  }

  async get(namespace: string, name: string): Promise<Image> {
    return (await this.api.getNamespacedCustomObject({ ...this.base, namespace, name })) as Image;
  }

  /** JSON merge patch of the status subresource; returns the stored object. */
  async patchStatus(namespace: string, name: string, body: object): Promise<Image> {
    return (await this.api.patchNamespacedCustomObjectStatus(
      { ...this.base, namespace, name, body, fieldManager: FIELD_MANAGER },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Image;
  }

  /** JSON patch of the main resource (used for metadata only, e.g. removing the refresh annotation). */
  async jsonPatch(namespace: string, name: string, ops: object[]): Promise<Image> {
    return (await this.api.patchNamespacedCustomObject(
      { ...this.base, namespace, name, body: ops, fieldManager: FIELD_MANAGER },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    )) as Image;
  }
}
