// Creating a bench's fixtures fast and visibly: tens of thousands of objects go through a bounded pool
// (never more than `concurrency` requests in flight, far below the test apiserver's
// --max-requests-inflight of 400), a request that failed for a passing reason is retried, and progress is
// logged every few seconds so that a slow run shows where it is instead of going quiet for minutes.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { IMAGE, type Image } from '../../crds/index.js';
import { pool } from './programs.js';

/** HTTP statuses worth another try: throttled, or the apiserver/etcd briefly unable to answer. */
const PASSING = new Set([429, 500, 502, 503, 504]);

function passing(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number') return PASSING.has(code);
  // Network errors (ECONNRESET, a socket closed under load) carry a string code or none.
  return true;
}

/**
 * Runs `fn` over `items` with at most `concurrency` in flight, logging `label` progress and the rate.
 * A call that fails for a passing reason is retried up to 3 times (409 AlreadyExists on a retry means an
 * earlier try got through); any other failure ends the whole run with what failed.
 */
export async function createAll<T>(
  label: string,
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
  log: (m: string) => void,
): Promise<void> {
  const t0 = Date.now();
  let done = 0;
  let retried = 0;
  const report = () => {
    const s = (Date.now() - t0) / 1000;
    log(
      `${label}: ${done} of ${items.length} in ${s.toFixed(0)} s (${(done / Math.max(s, 0.001)).toFixed(0)}/s)`,
    );
  };
  const timer = setInterval(report, 10_000);
  try {
    await pool(items, concurrency, async (item) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await fn(item);
          break;
        } catch (err) {
          if (attempt > 1 && (err as { code?: unknown }).code === 409) break;
          if (attempt >= 4 || !passing(err))
            throw new Error(`${label}: a create failed after ${attempt} tries: ${describe(err)}`);
          retried++;
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
      done++;
    });
  } finally {
    clearInterval(timer);
  }
  report();
  if (retried) log(`${label}: ${retried} retries after passing errors`);
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: string };
  const body = typeof e.body === 'string' ? e.body.slice(0, 300) : '';
  return [e.code !== undefined ? `HTTP ${String(e.code)}` : '', e.message ?? String(err), body]
    .filter(Boolean)
    .join(' ');
}

/**
 * One Image the write benches write status and Events for: an apply rule on a crontab that never fires
 * in a run, so nothing but the bench writes to it.
 */
export async function createWriteBenchImage(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
): Promise<Image> {
  return (await custom.createNamespacedCustomObject({
    group: IMAGE.group,
    version: IMAGE.version,
    plural: IMAGE.plural,
    namespace,
    body: {
      apiVersion: IMAGE.apiVersion,
      kind: IMAGE.kind,
      metadata: { name },
      spec: {
        image: `127.0.0.1:5000/bench/${name}`,
        triggers: [{ type: 'crontab', value: '0 0 1 1 *' }],
        rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
      },
    },
  })) as Image;
}
