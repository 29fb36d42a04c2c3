// Enumerations in CEL rules and in their JS twins (the validators run the same check as the apiserver).
/** A CEL list literal of the values: ['a', 'b']. */
export function celList(values: readonly string[]): string {
  return `[${values.map((v) => `'${v}'`).join(', ')}]`;
}

/** The JS side of `self in [...]`. */
export function includes(values: readonly string[], v: unknown): boolean {
  return typeof v === 'string' && values.includes(v);
}
