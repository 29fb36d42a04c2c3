// Who set an annotation, as far as the API says: the field manager that owns it in managedFields
// (`kubectl-annotate`, `tagpilot-cli`, …) and when. The user behind it is in the apiserver's audit log.

/** The part of a metadata.managedFields entry this reads. */
export interface ManagedFieldsEntry {
  manager?: string;
  time?: Date | string;
  fieldsV1?: object;
}

export interface Setter {
  manager: string;
  time?: string;
}

/** The manager (and time) of the newest managedFields entry that owns `metadata.annotations[key]`. */
export function annotationSetter(
  managedFields: readonly ManagedFieldsEntry[] | undefined,
  key: string,
): Setter | undefined {
  let found: Setter | undefined;
  for (const entry of managedFields ?? []) {
    const fields = entry.fieldsV1 as Record<string, Record<string, Record<string, unknown>>> | undefined;
    if (!fields?.['f:metadata']?.['f:annotations']?.[`f:${key}`]) continue;
    const time = entry.time instanceof Date ? entry.time.toISOString() : entry.time;
    if (!found || (time ?? '') > (found.time ?? '')) {
      found = { manager: entry.manager ?? 'unknown', ...(time ? { time } : {}) };
    }
  }
  return found;
}

/** `by kubectl-annotate at 2026-11-28T10:00:00Z`, or `by an unknown client`. */
export function setterText(s: Setter | undefined): string {
  if (!s) return 'by an unknown client';
  return `by ${s.manager}${s.time ? ` at ${s.time.replace(/\.\d+Z$/, 'Z')}` : ''}`;
}
