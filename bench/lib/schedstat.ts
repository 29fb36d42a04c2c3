// Time a process's main thread spent runnable but waiting for a CPU (/proc/PID/task/PID/schedstat, the
// second field, nanoseconds). On the shared 2-core machine a latency tail is often this, not the
// program's own work: a phase's run-queue wait says how much of its wall time the program was ready to
// run and not running.
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds } from '../../test/testenv/procs.js';

/**
 * Seconds the main thread of `pid` (or, with `allThreads`, all its threads together: a worker thread,
 * libuv's pool, V8's GC helpers) has waited on a run queue since it started (NaN if unreadable).
 */
export function runQueueWaitSeconds(pid: number, allThreads = false): number {
  const wait = (tid: string) =>
    Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/)[1]) / 1e9;
  try {
    if (!allThreads) return wait(String(pid));
    let sum = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        sum += wait(tid);
      } catch {
        // the thread ended meanwhile
      }
    }
    return sum;
  } catch {
    return NaN;
  }
}

/** This process's child processes by command name (the test environment's etcd, kube-apiserver, …). */
export function childProcesses(): Map<number, string> {
  const out = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === process.pid) out.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** CPU seconds so far of each test-environment process (this process's children), by command; esbuild left out. */
export function testEnvCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const [pid, command] of childProcesses())
    if (command !== 'esbuild') out.set(command, (out.get(command) ?? 0) + cpuSeconds(pid));
  return out;
}
