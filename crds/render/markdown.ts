// Schema source → docs/api.md, the field reference. Types used in more than one place (SecretValue,
// Condition, …) get one section each and are linked, so the reference stays short.
import type { Schema } from '../schema/builders.js';
import { API_GROUP_VERSION, rootSchema, type KindSource } from '../schema/kind.js';
import { nameCounts, namedNodes } from '../schema/walk.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: string): string {
  return `\`${text}\``;
}

function anchor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]/g, '');
}

/** `1–255`, `≥ 1`, `≤ 128`, or nothing; a minimum of 0 on lengths and counts says nothing. */
function range(min: number | undefined, max: number | undefined): string {
  const lo = min === 0 && max !== undefined ? undefined : min;
  if (lo !== undefined && max !== undefined) return `${lo}–${max}`;
  if (lo !== undefined) return `≥ ${lo}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}

/** Table cell text outside code spans: `<duration>` must not be read as an HTML tag. */
function prose(text: string): string {
  return cell(text).replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\*/g, '\\*');
}

function typeText(node: Schema, required: boolean, shared: Set<string>, isDefinitionRoot: boolean): string {
  const bits: string[] = [];
  if (!isDefinitionRoot && node.tsName !== undefined && shared.has(node.tsName)) {
    bits.push(`[${node.tsName}](#${anchor(node.tsName)})`);
  } else if (node.type === 'array' && node.items?.tsName !== undefined && shared.has(node.items.tsName)) {
    bits.push(`[${node.items.tsName}](#${anchor(node.items.tsName)})[]`);
  } else if (node.type === 'array') {
    bits.push(`${node.items?.type ?? 'any'}[]`);
  } else {
    bits.push(node.type ?? 'any');
  }
  if (required) bits.push('**required**');
  if (node.enum) bits.push(`one of ${node.enum.map(code).join(', ')}`);
  if (node.format) bits.push(node.format);
  if (node.default !== undefined) bits.push(`default ${code(JSON.stringify(node.default))}`);
  const chars = range(node.minLength, node.maxLength);
  if (chars) bits.push(`${chars} chars`);
  const value = range(node.minimum, node.maximum);
  if (value) bits.push(value);
  const items = range(node.minItems, node.maxItems);
  if (items) bits.push(`${items} items`);
  if (node['x-kubernetes-list-type'] === 'set') bits.push('unique items');
  if (node['x-kubernetes-list-map-keys'])
    bits.push(`unique by ${node['x-kubernetes-list-map-keys'].join(', ')}`);
  if (node.pattern) bits.push(`pattern ${code(node.pattern)}`);
  return bits.join(', ');
}

interface Row {
  path: string;
  node: Schema;
  required: boolean;
}

/** Fields under a node, stopping at shared types (documented in their own section). */
function rows(node: Schema, shared: Set<string>, prefix: string): Row[] {
  const out: Row[] = [];
  const visit = (parent: Schema, path: string): void => {
    for (const [name, child] of Object.entries(parent.properties ?? {})) {
      const childPath = path === '' ? name : `${path}.${name}`;
      out.push({ path: childPath, node: child, required: parent.required?.includes(name) ?? false });
      if (child.tsName !== undefined && shared.has(child.tsName)) continue;
      if (child.type === 'object') visit(child, childPath);
      const items = child.items;
      if (items?.type === 'object' && !(items.tsName !== undefined && shared.has(items.tsName))) {
        visit(items, `${childPath}[]`);
      }
    }
  };
  visit(node, prefix);
  return out;
}

function fieldTable(node: Schema, shared: Set<string>, prefix: string): string[] {
  const lines = ['| Field | Type | Description |', '| --- | --- | --- |'];
  for (const r of rows(node, shared, prefix)) {
    lines.push(
      `| ${code(r.path)} | ${cell(typeText(r.node, r.required, shared, false))} | ${prose(r.node.description ?? '')} |`,
    );
  }
  return lines;
}

function ruleTable(node: Schema, shared: Set<string>, prefix: string): string[] {
  const found: string[] = [];
  const add = (n: Schema, path: string): void => {
    for (const r of n['x-kubernetes-validations'] ?? []) {
      const where = `${path}${r.fieldPath ?? ''}` || '(object)';
      found.push(`| ${code(where)} | ${prose(r.message)} | ${cell(code(r.rule))} |`);
    }
  };
  add(node, prefix);
  for (const r of rows(node, shared, prefix)) {
    if (r.node.tsName !== undefined && shared.has(r.node.tsName)) continue; // documented in its own section
    add(r.node, r.path);
    if (r.node.items && !(r.node.items.tsName !== undefined && shared.has(r.node.items.tsName))) {
      add(r.node.items, `${r.path}[]`);
    }
  }
  if (found.length === 0) return [];
  return [
    '',
    'Checked by the apiserver (CEL) and by the validators in `crds/index.ts`:',
    '',
    '| Field | Rule | CEL |',
    '| --- | --- | --- |',
    ...found,
  ];
}

function kindSection(k: KindSource, shared: Set<string>): string[] {
  const root = rootSchema(k);
  const columns = k.printerColumns.map((c) => (c.priority ? `${c.name} (wide)` : c.name)).join(', ');
  const lines = [
    `## ${k.kind}`,
    '',
    root.description ?? '',
    '',
    '| | |',
    '| --- | --- |',
    `| API version | ${code(API_GROUP_VERSION)}, namespaced, status subresource |`,
    `| Names | ${[k.plural, k.singular, ...k.shortNames].map(code).join(', ')}; category ${k.categories.map(code).join(', ')} |`,
    `| \`kubectl get\` columns | ${columns} |`,
  ];
  if (k.selectableFields?.length) {
    lines.push(
      `| Field selectors | ${k.selectableFields.map((f) => code(f.replace(/^\./, ''))).join(', ')} |`,
    );
  }
  for (const part of ['spec', 'status'] as const) {
    const node = root.properties?.[part];
    if (!node) continue;
    lines.push('', `### ${k.kind} ${part}`, '', node.description ?? '', '');
    lines.push(...fieldTable(node, shared, part), ...ruleTable(node, shared, part));
  }
  return lines;
}

export function renderDocs(kinds: readonly KindSource[], sources: readonly string[]): string {
  const roots = kinds.map(rootSchema);
  const counts = nameCounts(roots);
  const shared = new Set([...counts].filter(([, n]) => n > 1).map(([name]) => name));
  const defs = namedNodes(roots);
  const lines = [
    `# API reference: ${API_GROUP_VERSION}`,
    '',
    `<!-- Code generated by crds/generate.ts from ${sources.join(', ')}. DO NOT EDIT; run \`make crds\`. -->`,
    '',
    'Every field, default and validation rule of the Tagpilot custom resources. The same schema source',
    'generates the CRDs (`crds/*.yaml`), the TypeScript types and validators (`crds/index.ts`) and this page;',
    '`kubectl explain images.spec` prints the same descriptions. Examples: `config/samples/`.',
    '',
    ...kinds.map((k) => `- [${k.kind}](#${anchor(k.kind)})`),
    `- Shared types: ${[...shared].map((n) => `[${n}](#${anchor(n)})`).join(', ')}`,
  ];
  for (const k of kinds) lines.push('', ...kindSection(k, shared));
  lines.push('', '## Shared types');
  for (const name of shared) {
    const node = defs.get(name);
    if (!node) continue;
    lines.push('', `### ${name}`, '', node.tsDoc ?? node.description ?? '', '');
    lines.push(...fieldTable(node, shared, ''), ...ruleTable(node, shared, ''));
  }
  return `${lines.join('\n')}\n`;
}
