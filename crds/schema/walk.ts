// Traversal helpers shared by the generators and the validators.
import type { Schema } from './builders.js';

/** Keys of a Schema that only the generators read; they never reach the CRD or ajv. */
export const GENERATOR_ONLY_KEYS = ['tsName', 'tsDoc', 'tsType', 'tsRequired'] as const;

export interface Visit {
  node: Schema;
  /** Documentation path: `spec.rules[].actions[].type`. */
  path: string;
}

/** Depth-first, parents before children, properties in source order. */
export function* walk(node: Schema, path = ''): Generator<Visit> {
  yield { node, path };
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    yield* walk(child, path === '' ? name : `${path}.${name}`);
  }
  if (node.items) yield* walk(node.items, `${path}[]`);
}

/** The named object nodes (tsName) of some roots, first occurrence of each name, parents first. */
export function namedNodes(roots: readonly Schema[]): Map<string, Schema> {
  const found = new Map<string, Schema>();
  for (const root of roots) {
    for (const { node } of walk(root)) {
      if (node.tsName === undefined) continue;
      const seen = found.get(node.tsName);
      if (seen === undefined) found.set(node.tsName, node);
      else if (shape(seen) !== shape(node)) {
        throw new Error(`two different schemas are both named ${node.tsName}: rename one (tsName)`);
      }
    }
  }
  return found;
}

/** How many times each tsName occurs: a name used more than once is documented as a shared type. */
export function nameCounts(roots: readonly Schema[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const root of roots) {
    for (const { node } of walk(root)) {
      if (node.tsName !== undefined) counts.set(node.tsName, (counts.get(node.tsName) ?? 0) + 1);
    }
  }
  return counts;
}

// A named node may be reused with a different use-site description; everything else must match.
function shape(node: Schema): string {
  return JSON.stringify(node, (key, value: unknown) => (key === 'description' ? undefined : value));
}
