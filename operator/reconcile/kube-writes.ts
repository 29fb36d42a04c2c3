// The operator's writes: status through the status subresource with server-side apply (its own field
// manager, so the controller's status fields survive), managed Images (server-side apply, same field
// manager), and Kubernetes Events for `kubectl describe`.
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { clipMessage, type KindInfo } from '../../crds/index.js';
import { errorMessage } from '../../common/errors.js';
import { isNotFound } from '../../common/kube.js';
import type { Logger } from '../../common/logger.js';
import { FIELD_MANAGER } from '../webhook-config.js';

export interface ObjectRef {
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

export class KubeWrites {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

  constructor(
    kc: KubeConfig,
    private readonly log: Logger,
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Applies the operator-owned part of the status; fields it does not send stay with their owners. */
  async applyStatus(kind: KindInfo, ref: ObjectRef, status: object): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: kind.group,
        version: kind.version,
        plural: kind.plural,
        namespace: ref.namespace,
        name: ref.name,
        body: {
          apiVersion: kind.apiVersion,
          kind: kind.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
          status,
        },
        fieldManager: FIELD_MANAGER,
        force: true,
      },
      this.apply,
    );
  }

  /**
   * Server-side apply of a whole object the operator owns (managed Images): force, so a hand edit of a
   * field the operator sets is taken back; fields only others set stay theirs.
   */
  async applyObject(kind: KindInfo, obj: { metadata: { name?: string; namespace?: string } }): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      {
        group: kind.group,
        version: kind.version,
        plural: kind.plural,
        namespace: obj.metadata.namespace ?? '',
        name: obj.metadata.name ?? '',
        body: obj,
        fieldManager: FIELD_MANAGER,
        force: true,
      },
      this.apply,
    );
  }

  /** Deletes an object; one that is already gone is not an error. */
  async deleteObject(kind: KindInfo, ref: ObjectRef): Promise<void> {
    try {
      await this.custom.deleteNamespacedCustomObject({
        group: kind.group,
        version: kind.version,
        plural: kind.plural,
        namespace: ref.namespace,
        name: ref.name,
        ...(ref.uid ? { body: { preconditions: { uid: ref.uid } } } : {}),
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Best effort: an Event that cannot be written is logged, never retried or fatal. */
  async event(
    kind: Pick<KindInfo, 'apiVersion' | 'kind'>,
    ref: ObjectRef,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const now = new Date();
    try {
      await this.core.createNamespacedEvent({
        namespace: ref.namespace,
        body: {
          metadata: {
            name: `${ref.name}.${now.getTime().toString(16)}${Math.random().toString(16).slice(2, 6)}`,
            namespace: ref.namespace,
          },
          involvedObject: {
            apiVersion: kind.apiVersion,
            kind: kind.kind,
            name: ref.name,
            namespace: ref.namespace,
            ...(ref.uid ? { uid: ref.uid } : {}),
            ...(ref.resourceVersion ? { resourceVersion: ref.resourceVersion } : {}),
          },
          type,
          reason,
          message: clipMessage(message),
          source: { component: FIELD_MANAGER },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      this.log.warn({ kind: kind.kind, ...ref, reason, err: errorMessage(err) }, 'could not record an Event');
    }
  }
}
