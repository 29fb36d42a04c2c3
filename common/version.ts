// What `--version` prints for every program. The version is package.json's; the git commit is recorded
// at build time (`npm run build` writes dist/build-info.json, see hack/build-info.mjs), because an image
// has no .git and no git binary, and a program must not shell out to find out what it is.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  /** Full commit hash, `-dirty` appended when the tree had uncommitted changes; absent when unknown. */
  commit?: string;
}

/**
 * Walks up from this module: a compiled build finds dist/build-info.json first; a source checkout (tsx)
 * finds the repository's package.json and knows no commit.
 */
export function readBuildInfo(start = dirname(fileURLToPath(import.meta.url))): BuildInfo {
  for (let dir = start; ; dir = dirname(dir)) {
    const built = join(dir, 'build-info.json');
    if (existsSync(built)) return parse(readFileSync(built, 'utf8'), built);
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) return { version: parse(readFileSync(pkg, 'utf8'), pkg).version };
    if (dirname(dir) === dir) return { version: 'unknown' };
  }
}

function parse(text: string, path: string): BuildInfo {
  const data = JSON.parse(text) as { version?: unknown; commit?: unknown };
  if (typeof data.version !== 'string') throw new Error(`${path} has no "version" string`);
  return typeof data.commit === 'string' && data.commit !== ''
    ? { version: data.version, commit: data.commit }
    : { version: data.version };
}

/** One line, e.g. `tagpilot-controller 0.1.0 (commit 3f2c1ab…, node v24.11.0)`. */
export function versionLine(program: string, info: BuildInfo = readBuildInfo()): string {
  const commit = info.commit ? `commit ${info.commit}` : 'commit unknown: not a build';
  return `${program} ${info.version} (${commit}, node ${process.version})`;
}
