import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanupOrphans } from '../../testenv/procs.js';
import { waitFor } from '../../testenv/wait.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a test run killed with SIGKILL', () => {
  it('leaves processes that the next run kills', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./orphan-child.ts', import.meta.url))],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const firstLine = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const { pid, stateDir } = JSON.parse(firstLine) as { pid: number; stateDir: string };
    expect(alive(pid)).toBe(true);

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // SIGKILL gave the child no chance to clean up: its registry is an orphan now.
    expect(alive(pid)).toBe(true);

    const messages: string[] = [];
    expect(cleanupOrphans((m) => messages.push(m))).toBeGreaterThanOrEqual(1);
    await waitFor('the orphaned registry to die', () => !alive(pid), { timeoutMs: 10_000, intervalMs: 100 });
    expect(existsSync(stateDir)).toBe(false);
    expect(messages.join('\n')).toMatch(new RegExp(`docker-registry \\(pid ${pid}\\)`));
  });
});
