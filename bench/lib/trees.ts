// Benches that compare checkouts: each tree (this one, and every `--tree DIR` given) is measured in a
// fresh Node process against one peer process, so an older commit is measured on the same machine and
// load as this one.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';

/** The short commit of `tree` (this checkout by default); `unknown` outside a git checkout. */
export function commitOf(tree?: string): string {
  try {
    return execFileSync('git', [...(tree ? ['-C', tree] : []), 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** The load averages as a bench prints them. */
export const loadLine = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The trees to measure: the one holding `benchDir`'s parent, then each `--tree DIR` of `argv`. */
export function treesFromArgs(argv: readonly string[], benchDir: string): string[] {
  const trees = [resolve(benchDir, '..')];
  for (let i = 2; i < argv.length; i++) if (argv[i] === '--tree') trees.push(resolve(argv[++i]!));
  return trees;
}

/** Starts `source` (a CommonJS script that prints its port first) in its own process. */
export async function startPeer(source: string): Promise<{ host: string; stop: () => void }> {
  const peer = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [port] = (await once(peer.stdout, 'data')) as [Buffer];
  return { host: `127.0.0.1:${port.toString().trim()}`, stop: () => peer.kill() };
}

/**
 * Runs `script --measure TREE HOST` under `nodeFlags` (tsx loaded) and returns the JSON object its last
 * line of output printed, with the tree and its commit.
 */
export async function measureTree<S extends object>(
  script: string,
  nodeFlags: readonly string[],
  tree: string,
  host: string,
): Promise<S & { tree: string; commit: string }> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script, '--measure', tree, host], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`measuring ${tree} failed (exit ${code})`);
  return { tree, commit: commitOf(tree), ...(JSON.parse(out.trim().split('\n').pop() ?? '{}') as S) };
}
