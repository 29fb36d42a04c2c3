import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process. Every module registers its `tagpilot_*` metrics here so that a
 * program's /metrics endpoint exposes all of them; tests can read values from it directly.
 */
export const metricsRegistry = new Registry();

/**
 * The metric registered under `name`, created by `create` the first time. prom-client refuses a name
 * twice, and a module may be evaluated more than once in one process (tests, the CLI next to the engine).
 */
export function once<T>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

let defaultsCollected = false;

/** Process metrics (RSS, event-loop lag, GC); called by the programs, not by library code or tests. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'tagpilot_' });
}
