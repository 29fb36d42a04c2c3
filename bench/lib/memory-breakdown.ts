// Where a program's RSS is: the node binary's and shared libraries' pages versus private memory
// (/proc/PID/smaps_rollup), and the V8 heap's committed spaces from the program's /metrics.
import { readFileSync } from 'node:fs';

/**
 * Where the RSS is, at the end of the quiet phase: the node binary's and shared libraries' pages
 * (Shared_Clean of /proc/PID/smaps_rollup: the same for any Node program, shared by every process
 * running it) versus private memory, and the V8 heap's committed spaces from the operator's /metrics.
 */
export function memoryBreakdown(pid: number, metricsText: string): string {
  const smaps = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(smaps)?.[1] ?? NaN);
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const space = (name: string) =>
    metricsText
      .split('\n')
      .find((l) => l.startsWith(`tagpilot_nodejs_heap_space_size_total_bytes{space="${name}"}`))
      ?.split(' ')
      .pop();
  const total = (name: string) =>
    Number(
      metricsText
        .split('\n')
        .find((l) => l.startsWith(`${name} `))
        ?.split(' ')
        .pop() ?? NaN,
    );
  return (
    `memory at the end of the quiet phase: RSS ${mib(kib('Rss') * 1024)} = shared clean (node binary, libraries) ` +
    `${mib(kib('Shared_Clean') * 1024)} + private ${mib((kib('Private_Dirty') + kib('Private_Clean')) * 1024)}; ` +
    `V8 heap committed ${mib(total('tagpilot_nodejs_heap_size_total_bytes'))} (new ${mib(Number(space('new')))}, ` +
    `old ${mib(Number(space('old')))}, code ${mib(Number(space('code')))}, trusted ${mib(Number(space('trusted')))}), ` +
    `used ${mib(total('tagpilot_nodejs_heap_size_used_bytes'))}; external ${mib(total('tagpilot_nodejs_external_memory_bytes'))}`
  );
}
