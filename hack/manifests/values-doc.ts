// The values table of the chart README, from values.schema.json (descriptions, types) and values.yaml
// (defaults), so the README lists every value and cannot fall behind the schema.
import { parse } from 'yaml';

interface SchemaNode {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
}

export interface ValueDoc {
  path: string;
  type: string;
  default: unknown;
  description: string;
}

/**
 * A schema object is a group of values (recursed into) when its properties are described; otherwise
 * it is one value (e.g. `resources`, whose keys are Kubernetes' own).
 */
function isGroup(node: SchemaNode): boolean {
  return Object.values(node.properties ?? {}).some((p) => p.description !== undefined);
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((e) => JSON.stringify(e)).join(' | ');
  if (node.anyOf) return node.anyOf.map(typeOf).join(' | ');
  const t = Array.isArray(node.type) ? node.type.join(' | ') : (node.type ?? 'any');
  if (node.minimum !== undefined && node.maximum !== undefined)
    return `${t} (${node.minimum}–${node.maximum})`;
  if (node.minimum !== undefined) return `${t} (≥ ${node.minimum})`;
  return t;
}

function lookup(values: unknown, path: string[]): unknown {
  let v = values;
  for (const key of path)
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** Every documented value, depth first in schema order. */
export function valueDocs(schema: SchemaNode, values: unknown, prefix: string[] = []): ValueDoc[] {
  const out: ValueDoc[] = [];
  for (const [key, node] of Object.entries(schema.properties ?? {})) {
    const path = [...prefix, key];
    if (isGroup(node)) out.push(...valueDocs(node, values, path));
    else
      out.push({
        path: path.join('.'),
        type: typeOf(node),
        default: lookup(values, path),
        description: node.description ?? '',
      });
  }
  return out;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function valuesTable(schema: object, valuesYaml: string): string {
  const rows = valueDocs(schema as SchemaNode, parse(valuesYaml)).map((d) => {
    const def = d.default === undefined ? '' : `\`${cell(JSON.stringify(d.default))}\``;
    return `| \`${d.path}\` | ${cell(d.type)} | ${def} | ${cell(d.description)} |`;
  });
  return ['| value | type | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Replaces what lies between `<!-- NAME:start -->` and `<!-- NAME:end -->`. */
export function replaceBetweenMarkers(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a)
    throw new Error(`markers ${start} … ${end} not found: add them where the generated text goes`);
  return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
}
