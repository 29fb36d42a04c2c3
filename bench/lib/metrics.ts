// Reading Prometheus text expositions in the benches: the programs' /metrics and the apiserver's
// apiserver_request_total. parseMetrics is the one parser; the helpers below and memory-breakdown.ts use it.
import { Agent, fetch as ufetch } from 'undici';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Metrics {
  /** The sum of the family's samples (0 when it has none). */
  total(name: string): number;
  byLabel(name: string, label: string): Map<string, number>;
  samples(name: string): readonly Sample[];
}

/**
 * Sums of the samples of each metric family in a Prometheus text exposition, by `name{label=…}` too.
 * Only the families in `names` are parsed: the apiserver's exposition is megabytes, and a full /metrics
 * of the controller at 10,000 Images holds 20,000 per-Image series the benches never read.
 */
export function parseMetrics(text: string, names: ReadonlySet<string>): Metrics {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? ([^ ]+)/.exec(line);
    if (!m || !names.has(m[1]!)) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]),
    );
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  const known = (name: string) => {
    if (!names.has(name)) throw new Error(`metric ${name} was not asked for in parseMetrics`);
    return samples.filter((x) => x.name === name);
  };
  return {
    samples: known,
    total: (name) => known(name).reduce((a, x) => a + x.value, 0),
    byLabel: (name, label) => {
      const out = new Map<string, number>();
      for (const x of known(name))
        out.set(x.labels[label] ?? '', (out.get(x.labels[label] ?? '') ?? 0) + x.value);
      return out;
    },
  };
}

const insecure = new Agent({ connect: { rejectUnauthorized: false } });

/** The apiserver's apiserver_request_total for `resources`, as `VERB resource[/subresource]` → count. */
export async function apiserverRequests(
  apiServerURL: string,
  token: string,
  resources: readonly string[],
): Promise<Map<string, number>> {
  const res = await ufetch(`${apiServerURL}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
    dispatcher: insecure,
  });
  const out = new Map<string, number>();
  const family = 'apiserver_request_total';
  for (const { labels, value } of parseMetrics(await res.text(), new Set([family])).samples(family)) {
    const resource = labels.resource ?? '';
    if (!resources.includes(resource)) continue;
    const key = `${labels.verb} ${resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

/**
 * The families `names` of a program's /metrics on 127.0.0.1:`port`, asked for with `name[]` so that the
 * program renders only those (a full render writes two series per Image in the controller, which is the
 * bench measuring its own polling).
 */
export async function programMetrics(port: number, names: ReadonlySet<string>): Promise<Metrics> {
  const query = [...names].map((n) => `name[]=${encodeURIComponent(n)}`).join('&');
  const res = await fetch(`http://127.0.0.1:${port}/metrics?${query}`);
  if (!res.ok) throw new Error(`GET /metrics?${query} on port ${port}: ${res.status} ${await res.text()}`);
  return parseMetrics(await res.text(), names);
}
