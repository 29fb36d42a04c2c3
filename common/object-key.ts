// The `namespace/name` key every cache, queue and log line uses for a namespaced object, defined once so
// that a key made by one part (an informer) can be split by another (a reconciler).

/** `namespace/name`; an empty namespace for cluster-scoped objects. */
export const objectKey = (o: { metadata?: { namespace?: string; name?: string } }): string =>
  `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** The inverse of objectKey: names cannot contain '/', so the first one separates. */
export function splitObjectKey(key: string): [namespace: string, name: string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
