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

/** Bounds of a `/metrics?name[]=…` request: what one client may make the process look up and echo. */
export const METRICS_FILTER_LIMITS = { names: 64, nameLength: 200 };

/**
 * The text exposition of the whole registry, or of only the families in `names` (unknown names are
 * simply absent). A poller that needs a few counters then costs the process a few families, not the
 * per-Image series (two per Image in the controller) that a full render writes every time.
 */
export async function renderMetrics(names?: ReadonlySet<string>): Promise<string> {
  if (!names) return metricsRegistry.metrics();
  const all = metricsRegistry.getMetricsAsArray();
  // Some families are set by another family's collect hook (prom-client's heap gauges: total sets used
  // and external), so every hook runs, as in a full render; only the text is limited to `names`.
  const others = all.filter((m) => !names.has(m.name) && typeof m.collect === 'function');
  await Promise.all(others.map((m) => (m.collect as (this: unknown) => unknown).call(m)));
  const families = all.filter((m) => names.has(m.name));
  const texts = await Promise.all(families.map((m) => metricsRegistry.getSingleMetricAsString(m.name)));
  // The same framing as Registry.metrics(): families separated by a blank line, a final newline.
  return texts.length ? `${texts.join('\n\n')}\n` : '';
}
