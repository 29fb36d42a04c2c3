// How long a program's event loop stalled during a bench phase, and the GC pauses in it, from the
// Node process metrics both programs export (prom-client's defaults): the event-loop delay histogram
// (perf_hooks.monitorEventLoopDelay, 10 ms resolution, reset by every /metrics render) and
// nodejs_gc_duration_seconds by kind. A latency tail on the request path is either the program's own
// work holding the loop (this shows it), or the process waiting for a CPU (the load average shows that).
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { parseMetrics } from './metrics.js';

const LAG = ['max', 'p99', 'p50'].map((q) => `tagpilot_nodejs_eventloop_lag_${q}_seconds`);
const GC = 'tagpilot_nodejs_gc_duration_seconds';
/** Families asked for (lag and GC); the lag family's collect hook sets the quantiles and resets them. */
const FAMILIES = ['tagpilot_nodejs_eventloop_lag_seconds', ...LAG, GC];
const SAMPLES = new Set([...LAG, `${GC}_bucket`, `${GC}_sum`, `${GC}_count`]);

export interface LoopSnapshot {
  /** Event-loop delay since the previous render of /metrics, seconds. */
  maxS: number;
  p99S: number;
  p50S: number;
  /** Cumulative GC: count and seconds by kind (major, minor, incremental, weakcb), and pauses ≥ 10 ms. */
  gcCount: Map<string, number>;
  gcSeconds: Map<string, number>;
  gcOver10ms: number;
}

async function scrape(port: number): Promise<LoopSnapshot> {
  const query = FAMILIES.map((n) => `name[]=${encodeURIComponent(n)}`).join('&');
  const res = await fetch(`http://127.0.0.1:${port}/metrics?${query}`);
  if (!res.ok) throw new Error(`GET /metrics?${query} on port ${port}: ${res.status} ${await res.text()}`);
  const m = parseMetrics(await res.text(), SAMPLES);
  let total = 0;
  let under10ms = 0;
  for (const { labels, value } of m.samples(`${GC}_bucket`)) {
    if (labels.le === '+Inf') total += value;
    if (labels.le === '0.01') under10ms += value;
  }
  return {
    maxS: m.total(LAG[0]!),
    p99S: m.total(LAG[1]!),
    p50S: m.total(LAG[2]!),
    gcCount: m.byLabel(`${GC}_count`, 'kind'),
    gcSeconds: m.byLabel(`${GC}_sum`, 'kind'),
    gcOver10ms: total - under10ms,
  };
}

/** Call at the start of a phase: resets the delay histogram and remembers the GC counters. */
export async function loopMark(port: number): Promise<LoopSnapshot> {
  return scrape(port);
}

/** The event-loop delay and GC pauses since `mark`, as one line for a bench report. */
export async function loopSince(port: number, mark: LoopSnapshot): Promise<string> {
  const now = await scrape(port);
  const ms = (s: number) => (s * 1000).toFixed(1);
  const gc = [...now.gcCount]
    .map(([kind, n]) => {
      const count = n - (mark.gcCount.get(kind) ?? 0);
      const seconds = (now.gcSeconds.get(kind) ?? 0) - (mark.gcSeconds.get(kind) ?? 0);
      return count > 0 ? `${kind} ${count} (${ms(seconds)} ms)` : '';
    })
    .filter(Boolean)
    .join(', ');
  return (
    `event-loop delay p50 ${ms(now.p50S)} / p99 ${ms(now.p99S)} / max ${ms(now.maxS)} ms; ` +
    `GC ${gc || 'none'}, ${now.gcOver10ms - mark.gcOver10ms} pauses ≥ 10 ms`
  );
}

/**
 * The same for the load generator's own thread: it timestamps every request, so a GC pause or a long
 * task there counts as latency of the program it measures. Start with the load; `stop()` gives the line.
 */
export function benchLoop(): { stop(): string } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const pauses: number[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push(e.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      delay.disable();
      gc.disconnect();
      const ms = (ns: number) => (ns / 1e6).toFixed(1);
      const longest = pauses.length ? Math.max(...pauses).toFixed(1) : '0';
      return (
        `load generator event-loop delay p99 ${ms(delay.percentile(99))} / max ${ms(delay.max)} ms, ` +
        `GC ${pauses.length} pauses (longest ${longest} ms, ${pauses.filter((p) => p >= 10).length} ≥ 10 ms)`
      );
    },
  };
}
