// `make crds` / `npm run crds`: regenerate the CRD YAML, crds/types.gen.ts and docs/api.md from the
// schema sources. `--check` writes nothing and exits 1 when a committed file differs (for CI).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAll } from './render/all.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function current(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [rel, content] of await renderAll(repoRoot)) {
    const path = join(repoRoot, rel);
    if (current(path) === content) continue;
    stale.push(rel);
    if (check) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  if (check && stale.length > 0) {
    console.error(`out of date, run \`make crds\`: ${stale.join(', ')}`);
    return 1;
  }
  process.stdout.write(stale.length === 0 ? 'crds: up to date\n' : `crds: wrote ${stale.join(', ')}\n`);
  return 0;
}

process.exitCode = await main();
