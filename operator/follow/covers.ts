// Whether a stored object already holds every field the operator would apply: then the apply is
// skipped. Fields the apiserver defaults or others add are not compared, so a resync of an unchanged
// workload writes nothing, while a hand edit of an operator-set field is applied back.

function coversValue(stored: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(stored) &&
      stored.length === desired.length &&
      desired.every((d, i) => coversValue(stored[i], d))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return false;
    const s = stored as Record<string, unknown>;
    return Object.entries(desired).every(([k, v]) => coversValue(s[k], v));
  }
  return stored === desired;
}

export function covers(
  stored: { metadata: object; spec?: unknown },
  desired: { metadata: object; spec?: unknown },
): boolean {
  return coversValue(stored.metadata, desired.metadata) && coversValue(stored.spec, desired.spec);
}
