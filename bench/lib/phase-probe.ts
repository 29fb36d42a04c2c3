// What else went on during a phase of bench/operator.ts, to tell a stall of the operator's own loop
// from the shared machine's queue or a control plane still busy: the operator's event-loop delay and GC
// pauses (event-loop.ts), how long its main thread and the bench's threads waited for a CPU
// (schedstat.ts), and the CPU seconds of the test environment's processes (apiserver, etcd, …).
import { cpuSeconds } from '../../test/testenv/procs.js';
import { loopMark, loopSince } from './event-loop.js';
import { childProcesses, runQueueWaitSeconds } from './schedstat.js';

/**
 * Starts watching; `operatorPid()` is undefined while the operator is not running yet (start-up: no
 * delay figures then, the bench's polling renders /metrics every 100 ms). Call end() right after the
 * phase, before anything else renders the operator's /metrics: every render resets the delay histogram.
 */
export async function phaseProbe(
  operatorPid: () => number | undefined,
  metricsPort: number,
): Promise<{ end(): Promise<string> }> {
  const pid0 = operatorPid();
  const loop = pid0 !== undefined ? await loopMark(metricsPort) : undefined;
  const waited0 = pid0 !== undefined ? runQueueWaitSeconds(pid0) : 0;
  const benchWaited0 = runQueueWaitSeconds(process.pid, true);
  const others = [...childProcesses()].filter(([pid]) => pid !== pid0);
  const othersCpu0 = others.map(([pid]) => cpuSeconds(pid));
  return {
    async end() {
      const pid = operatorPid()!;
      const testEnv = others
        .map(([p, name], i) => ({ name, cpu: cpuSeconds(p) - othersCpu0[i]! }))
        .filter((o) => o.cpu >= 0.1)
        .map((o) => `${o.name} ${o.cpu.toFixed(1)} s`)
        .join(', ');
      return (
        (loop ? `; ${await loopSince(metricsPort, loop)}` : '') +
        `; waiting for a CPU: operator main thread ${(runQueueWaitSeconds(pid) - waited0).toFixed(2)} s, ` +
        `bench (all threads) ${(runQueueWaitSeconds(process.pid, true) - benchWaited0).toFixed(2)} s; ` +
        `test environment CPU ${testEnv}`
      );
    },
  };
}
