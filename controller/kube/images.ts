// Image objects through the API: list pages and the watch path for the informer, fresh reads, status
// server-side applies under the controller's field manager, and JSON patches of metadata (the refresh
// annotation).
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { IMAGE, type Image, type ImageStatus } from '../../crds/index.js';
import type { ListPage } from '../../common/informer.js';
import { KubeJson, PATCH } from '../../common/kube-json.js';
import { CONTROLLER_FIELD_MANAGER } from '../../domain/holds/holds.js';

/** The admission webhook recognises the controller's own workload writes by it (docs/safe-updates.md). */
export const FIELD_MANAGER = CONTROLLER_FIELD_MANAGER;

export class ImageApi {
  private readonly api: CustomObjectsApi;
  private readonly json: KubeJson;
  private readonly base = { group: IMAGE.group, version: IMAGE.version, plural: IMAGE.plural };

  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.json = new KubeJson(kubeConfig);
  }

  private objectPath(namespace: string, name: string): string {
    return `${this.watchPath(namespace)}/${encodeURIComponent(name)}`;
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

  /**
   * Server-side apply of the controller's status fields (the status subresource, field manager
   * FIELD_MANAGER, forced: these fields are the controller's alone). `status` must hold every field the
   * controller owns: one it leaves out is removed. Returns the stored object.
   */
  async applyStatus(
    target: { namespace: string; name: string; uid?: string | undefined },
    status: ImageStatus,
  ): Promise<Image> {
    const { namespace, name, uid } = target;
    // The uid is a precondition: a status computed for a deleted Image never lands on a new one of that name.
    const metadata = { name, namespace, ...(uid ? { uid } : {}) };
    const body = { apiVersion: IMAGE.apiVersion, kind: IMAGE.kind, metadata, status };
    // The thin JSON path (common/kube-json.ts): one of these per changed Image.
    return this.json.send<Image>({
      method: 'PATCH',
      path: `${this.objectPath(namespace, name)}/status`,
      query: { fieldManager: FIELD_MANAGER, force: true },
      contentType: PATCH.apply,
      body,
    });
  }

  /** JSON patch of the main resource (used for metadata only, e.g. removing the refresh annotation). */
  async jsonPatch(namespace: string, name: string, ops: object[]): Promise<Image> {
    return this.json.send<Image>({
      method: 'PATCH',
      path: this.objectPath(namespace, name),
      query: { fieldManager: FIELD_MANAGER },
      contentType: PATCH.json,
      body: ops,
    });
  }
}
