// The operator and the controller meet only through the Kubernetes API: the operator process must not
// load controller code. Two views of the same fact: the files reachable from operator/main.ts, and the
// metric families a fresh operator process serves on /metrics (a controller module that slipped in
// registers tagpilot_cron_*, tagpilot_hook*_* or tagpilot_registry_* at import time).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g;

/** Every repository file the module graph of `entry` reaches, with the chain that reached it. */
function moduleGraph(entry: string): Map<string, string[]> {
  const reached = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const m of source.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts');
      if (reached.has(target)) continue;
      reached.set(target, [...reached.get(file)!, target]);
      queue.push(target);
    }
  }
  return reached;
}

const FORBIDDEN = /^tagpilot_(cron|hooks?|registry)_/;

describe('the operator process', () => {
  it('reaches no controller/ module from operator/main.ts', () => {
    const graph = moduleGraph('operator/main.ts');
    expect(graph.has('webhook/handler.ts')).toBe(true); // the walk follows the program's real imports
    const leaks = [...graph]
      .filter(([f]) => f.startsWith('controller/'))
      .map(([, chain]) => chain.join(' → '));
    expect(leaks).toEqual([]);
  });

  it('serves no tagpilot_cron_*, tagpilot_hook_* or tagpilot_registry_* family on /metrics', async () => {
    // A fresh process: this test process may have loaded controller modules through other tests.
    const script = `
      await import('./operator/main.ts');
      const { startOpsServer } = await import('./common/ops-server.ts');
      const ops = await startOpsServer({ host: '127.0.0.1', port: 0, ready: () => true });
      const text = await (await fetch('http://127.0.0.1:' + ops.port + '/metrics')).text();
      await ops.close();
      process.stdout.write(text);`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, timeout: 60_000 },
    );
    const families = [...stdout.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
    expect(families).toContain('tagpilot_operator_reconcile_total');
    expect(families).toContain('tagpilot_admission_requests_total');
    expect(families.filter((f) => FORBIDDEN.test(f))).toEqual([]);
  });
});
