// What the programs' informer caches drop from every object on receipt: nothing reads them, and they
// are often larger than the rest of the object. metadata.managedFields lists every field of every
// writer (an Image's status alone has dozens), and kubectl's last-applied-configuration annotation is a
// second copy of the whole object as the user applied it. At 10,000 cached Images this is tens of MiB.
import type { KubernetesObject } from '@kubernetes/client-node';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Drops metadata.managedFields and the last-applied annotation, in place; returns `obj`. */
export function withoutManagedFields<T extends KubernetesObject>(obj: T): T {
  const m = obj.metadata;
  if (!m) return obj;
  if (m.managedFields) delete m.managedFields;
  if (m.annotations && LAST_APPLIED_ANNOTATION in m.annotations) {
    const { [LAST_APPLIED_ANNOTATION]: _dropped, ...rest } = m.annotations;
    m.annotations = rest;
  }
  return obj;
}
