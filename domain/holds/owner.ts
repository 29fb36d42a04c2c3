// Who last wrote a container's image, read from the workload's managedFields (server-side field
// ownership). A field changes hands on every write that changes its value, so the owner of
// `f:image` is whoever set the reference the container runs now, and the entry's time says when.
// Pure: the caller hands in the workload as read.

/** One `metadata.managedFields` entry, as much of it as ownership needs. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string | Date;
  subresource?: string;
  fieldsV1?: unknown;
}

export interface ImageOwner {
  manager: string;
  /** RFC 3339, seconds precision (what the apiserver records). */
  time?: string;
}

/** Path of the pod spec in each workload kind, as field-set keys (`f:spec` …). */
const POD_SPEC_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['f:spec', 'f:template', 'f:spec'],
  StatefulSet: ['f:spec', 'f:template', 'f:spec'],
  DaemonSet: ['f:spec', 'f:template', 'f:spec'],
  CronJob: ['f:spec', 'f:jobTemplate', 'f:spec', 'f:template', 'f:spec'],
};

function child(node: unknown, key: string): unknown {
  return node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
}

/** The list item key of container `name` (`k:{"name":"web"}`), whatever the key's JSON spacing. */
function containerEntry(list: unknown, name: string): unknown {
  if (list === null || typeof list !== 'object') return undefined;
  for (const [key, value] of Object.entries(list)) {
    if (!key.startsWith('k:')) continue;
    try {
      if ((JSON.parse(key.slice(2)) as { name?: unknown }).name === name) return value;
    } catch {
      // Not a key this reader understands: skip it.
    }
  }
  return undefined;
}

const asTime = (t: string | Date | undefined): string | undefined =>
  t instanceof Date ? t.toISOString().replace(/\.\d{3}Z$/, 'Z') : t;

/**
 * The manager owning the image field of container `container` (an init container when `init`) of a
 * workload of `kind`, or undefined when no entry names it (an object written before field tracking, or
 * by a client that replaced managedFields).
 */
export function imageOwner(
  kind: string,
  managedFields: readonly ManagedFieldsEntry[] | undefined,
  container: string,
  init = false,
): ImageOwner | undefined {
  const path = POD_SPEC_FIELDS[kind];
  if (!path) return undefined;
  for (const entry of managedFields ?? []) {
    if (entry.subresource || typeof entry.manager !== 'string') continue;
    let node: unknown = entry.fieldsV1;
    for (const key of path) node = child(node, key);
    node = child(
      containerEntry(child(node, init ? 'f:initContainers' : 'f:containers'), container),
      'f:image',
    );
    if (node === undefined) continue;
    const time = asTime(entry.time);
    return { manager: entry.manager, ...(time ? { time } : {}) };
  }
  return undefined;
}

/**
 * managedFields cut down to what imageOwner reads: per entry, only the `f:image` of each container
 * (and init container), and only entries that own one. Workload lists are cached and shared; full
 * managedFields name every field of every writer and are often larger than the rest of the object.
 */
export function imageOwnership(
  kind: string,
  managedFields: readonly ManagedFieldsEntry[] | undefined,
): ManagedFieldsEntry[] | undefined {
  const path = POD_SPEC_FIELDS[kind];
  if (!path || !managedFields) return undefined;
  const kept: ManagedFieldsEntry[] = [];
  for (const entry of managedFields) {
    if (entry.subresource || typeof entry.manager !== 'string') continue;
    let node: unknown = entry.fieldsV1;
    for (const key of path) node = child(node, key);
    const lists: Record<string, Record<string, { 'f:image': object }>> = {};
    for (const listKey of ['f:containers', 'f:initContainers']) {
      const list = child(node, listKey);
      if (list === null || typeof list !== 'object') continue;
      for (const [key, value] of Object.entries(list)) {
        if (key.startsWith('k:') && child(value, 'f:image') !== undefined) {
          (lists[listKey] ??= {})[key] = { 'f:image': {} };
        }
      }
    }
    if (Object.keys(lists).length === 0) continue;
    let fieldsV1: unknown = lists;
    for (const key of [...path].reverse()) fieldsV1 = { [key]: fieldsV1 };
    kept.push({
      manager: entry.manager,
      ...(entry.operation ? { operation: entry.operation } : {}),
      ...(entry.time ? { time: entry.time } : {}),
      fieldsV1,
    });
  }
  return kept.length > 0 ? kept : undefined;
}
