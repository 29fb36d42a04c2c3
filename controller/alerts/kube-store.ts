// The alert record on the Image, through the Kubernetes API. A merge patch that carries
// metadata.resourceVersion is rejected with 409 when the object changed since it was read: that is the
// compare-and-swap the claim needs, without replacing the whole object.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { isConflict } from '../../common/kube.js';
import { IMAGE } from '../../crds/index.js';
import { ALERT_STATE_ANNOTATION } from './dedupe.js';
import { StateConflict, type AlertStateStore } from './once.js';

interface ObjectWithMeta {
  metadata?: { annotations?: Record<string, string>; resourceVersion?: string };
}

export function imageAlertStateStore(
  api: CustomObjectsApi,
  namespace: string,
  name: string,
): AlertStateStore {
  const target = { group: IMAGE.group, version: IMAGE.version, plural: IMAGE.plural, namespace, name };
  return {
    async read() {
      const obj = (await api.getNamespacedCustomObject(target)) as ObjectWithMeta;
      return {
        annotation: obj.metadata?.annotations?.[ALERT_STATE_ANNOTATION],
        resourceVersion: obj.metadata?.resourceVersion ?? '',
      };
    },
    async write(annotation, resourceVersion) {
      try {
        await api.patchNamespacedCustomObject(
          {
            ...target,
            body: { metadata: { resourceVersion, annotations: { [ALERT_STATE_ANNOTATION]: annotation } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (err) {
        if (isConflict(err)) throw new StateConflict(`Image ${namespace}/${name} changed; read it again`);
        throw err;
      }
    },
  };
}
