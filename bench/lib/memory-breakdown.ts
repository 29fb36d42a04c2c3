// Where a program's RSS is: the node binary's and shared libraries' pages versus private memory
// (/proc/PID/smaps_rollup), and the V8 heap's committed spaces from the program's /metrics.
import { readFileSync } from 'node:fs';
import { programMetrics } from './metrics.js';

/** The /metrics families memoryBreakdown reads (Node process metrics, collected by both programs). */
const FAMILIES = new Set([
  'tagpilot_nodejs_heap_space_size_total_bytes',
  'tagpilot_nodejs_heap_size_total_bytes',
  'tagpilot_nodejs_heap_size_used_bytes',
  'tagpilot_nodejs_external_memory_bytes',
]);

/**
 * Where the RSS of process `pid` (serving /metrics on 127.0.0.1:`port`) is now, `when` saying when that
 * is ("at the end of the quiet phase"): the node binary's and shared libraries' pages (Shared_Clean of
 * /proc/PID/smaps_rollup: the same for any Node program, shared by every process running it) versus
 * private memory, and the V8 heap's committed spaces.
 */
export async function memoryBreakdown(pid: number, port: number, when: string): Promise<string> {
  const smaps = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const metrics = await programMetrics(port, FAMILIES);
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(smaps)?.[1] ?? NaN);
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const spaces = metrics.byLabel('tagpilot_nodejs_heap_space_size_total_bytes', 'space');
  const space = (name: string) => mib(spaces.get(name) ?? NaN);
  // NaN, not 0, for a family the program does not have: the line must not pass a missing figure off as 0.
  const total = (name: string) => mib(metrics.samples(name).length ? metrics.total(name) : NaN);
  return (
    `memory ${when}: RSS ${mib(kib('Rss') * 1024)} = shared clean (node binary, libraries) ` +
    `${mib(kib('Shared_Clean') * 1024)} + private ${mib((kib('Private_Dirty') + kib('Private_Clean')) * 1024)}; ` +
    `V8 heap committed ${total('tagpilot_nodejs_heap_size_total_bytes')} (new ${space('new')}, ` +
    `old ${space('old')}, code ${space('code')}, trusted ${space('trusted')}), ` +
    `used ${total('tagpilot_nodejs_heap_size_used_bytes')}; external ${total('tagpilot_nodejs_external_memory_bytes')}`
  );
}
