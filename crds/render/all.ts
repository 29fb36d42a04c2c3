// Everything `make crds` writes, as file path (relative to the repository root) → content, so the
// drift test can compare the committed files with a fresh in-memory generation.
import prettier from 'prettier';
import { alertConfigKind } from '../alertconfig.schema.js';
import { imageKind } from '../image.schema.js';
import type { KindSource } from '../schema/kind.js';
import { crdYaml } from './crd.js';
import { renderDocs } from './markdown.js';
import { renderTypes } from './typescript.js';

const SOURCES: readonly { kind: KindSource; source: string }[] = [
  { kind: imageKind, source: 'crds/image.schema.ts' },
  { kind: alertConfigKind, source: 'crds/alertconfig.schema.ts' },
];

export const TYPES_FILE = 'crds/types.gen.ts';

export async function renderAll(repoRoot: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const { kind, source } of SOURCES) {
    files.set(`crds/tagpilot.dev_${kind.plural}.yaml`, crdYaml(kind, source));
  }
  const kinds = SOURCES.map((s) => s.kind);
  // Formatted with the repository's own Prettier settings so `prettier --check` agrees with the generator.
  const options = (await prettier.resolveConfig(`${repoRoot}/${TYPES_FILE}`)) ?? {};
  files.set(
    TYPES_FILE,
    await prettier.format(await renderTypes(kinds), { ...options, parser: 'typescript' }),
  );
  files.set(
    'docs/api.md',
    renderDocs(
      kinds,
      SOURCES.map((s) => s.source),
    ),
  );
  return files;
}
