import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderAll } from './render/all.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const generated = await renderAll(repoRoot);

describe('generated files', () => {
  it('cover the CRDs, the types and the docs', () => {
    expect([...generated.keys()].sort()).toEqual([
      'crds/tagpilot.dev_alertconfigs.yaml',
      'crds/tagpilot.dev_images.yaml',
      'crds/types.gen.ts',
      'docs/api.md',
    ]);
  });

  // Fails when someone edits a schema source without `make crds`, or edits a generated file by hand.
  it.each([...generated.keys()])('%s is what the schema source generates (run `make crds`)', (path) => {
    expect(readFileSync(join(repoRoot, path), 'utf8')).toBe(generated.get(path));
  });

  it('CRDs carry no generator-only keys or JS predicates', () => {
    for (const [path, content] of generated) {
      if (!path.endsWith('.yaml')) continue;
      expect(content).not.toMatch(/\b(tsName|tsDoc|tsType|tsRequired|check):/);
      const crd = parse(content) as { spec: { versions: { schema: unknown }[] } };
      expect(crd.spec.versions[0]?.schema).toBeDefined();
    }
  });
});
