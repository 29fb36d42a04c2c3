// Reading Prometheus text expositions in the benches: the controller's /metrics and the apiserver's
// apiserver_request_total.
import { Agent, fetch as ufetch } from 'undici';

export interface Metrics {
  total(name: string): number;
  byLabel(name: string, label: string): Map<string, number>;
}

/**
 * Sums of the samples of each metric family in a Prometheus text exposition, by `name{label=…}` too.
 * Only the families in `names` are parsed: at 10,000 Images the controller's exposition holds 20,000
 * per-Image series the benches never read, and parsing them every poll would load the harness's share of
 * the 2 cores it shares with the controller.
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
  const text = await res.text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const resource = labels.resource ?? '';
    if (!resources.includes(resource)) continue;
    const key = `${labels.verb} ${resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}
