// What the benches that run a shipped program share: compiling it as the image does, and a bounded pool.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Runs `fn` over `items`, at most `concurrency` at a time. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Compiles the programs (tsconfig.build.json) into `distDir`; `program`'s main.js must come out. */
export function compilePrograms(
  repoRoot: string,
  distDir: string,
  program: 'operator' | 'controller',
  log: (m: string) => void,
): void {
  log(`compiling the programs into ${distDir}`);
  try {
    execFileSync(
      process.execPath,
      [`${repoRoot}/node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json', '--outDir', distDir],
      { cwd: repoRoot, stdio: 'inherit' },
    );
  } catch {
    // tsc still emits when some file has a type error; what matters is that the program was emitted.
    if (!existsSync(`${distDir}/${program}/main.js`)) throw new Error(`the ${program} did not compile`);
    log('tsc reported errors (above); running the emitted JavaScript anyway');
  }
}
