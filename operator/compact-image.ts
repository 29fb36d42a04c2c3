// What the operator keeps of each Image it caches: every replica holds all of them for the webhook, so
// at 10,000 Images the cached objects are most of its memory. Kept: what the webhook's pins, the Ready
// reconciler and annotation mode read. Dropped: managedFields (a list of every field of every writer),
// kubectl's last-applied copy of the object, and the controller's bookkeeping (history, rejected tags,
// running pods, check times, the Healthy condition), none of which the operator reads.
import type { Image } from '../crds/index.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Status fields the operator reads: pins (tag, digest, holds), Ready (result, message, observedGeneration)
 * and Reconciling (rollout).
 */
const KEPT_STATUS = ['tag', 'digest', 'holds', 'result', 'message', 'observedGeneration', 'rollout'] as const;
/** Conditions the operator writes and compares, and UpToDate, which Reconciling follows; not Healthy. */
const KEPT_CONDITIONS = new Set(['Ready', 'Stalled', 'Reconciling', 'UpToDate']);

/** A new object with only the fields the operator reads; the informer's copy becomes garbage. */
export function compactImage(image: Image): Image {
  const m = image.metadata ?? {};
  let annotations = m.annotations;
  if (annotations && LAST_APPLIED in annotations) {
    const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
    annotations = Object.keys(rest).length > 0 ? rest : undefined;
  }
  const metadata: Image['metadata'] = { name: m.name, namespace: m.namespace };
  if (m.uid !== undefined) metadata.uid = m.uid;
  if (m.resourceVersion !== undefined) metadata.resourceVersion = m.resourceVersion;
  if (m.generation !== undefined) metadata.generation = m.generation;
  if (m.labels !== undefined) metadata.labels = m.labels;
  if (annotations !== undefined) metadata.annotations = annotations;
  if (m.ownerReferences !== undefined) metadata.ownerReferences = m.ownerReferences;
  const out: Image = { apiVersion: image.apiVersion, kind: image.kind, metadata, spec: image.spec };
  const status = image.status as Record<string, unknown> | undefined;
  if (status) {
    const kept: Record<string, unknown> = {};
    for (const k of KEPT_STATUS) if (status[k] !== undefined) kept[k] = status[k];
    const conditions = image.status?.conditions?.filter((c) => KEPT_CONDITIONS.has(c.type));
    if (conditions?.length) kept.conditions = conditions;
    out.status = kept as Image['status'];
  }
  return out;
}
