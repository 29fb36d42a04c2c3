import { Counter, Gauge, Histogram } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRegistry, once } from './metrics.js';
import { startOpsServer } from './ops-server.js';

const COUNTER = 'tagpilot_test_ops_requests_total';
const GAUGE = 'tagpilot_test_ops_items';
const HISTOGRAM = 'tagpilot_test_ops_duration_seconds';

let server: Awaited<ReturnType<typeof startOpsServer>>;
let base: string;

beforeAll(async () => {
  once(
    COUNTER,
    () => new Counter({ name: COUNTER, help: 'test', labelNames: ['kind'], registers: [metricsRegistry] }),
  )
    .labels('a')
    .inc(3);
  once(GAUGE, () => new Gauge({ name: GAUGE, help: 'test', registers: [metricsRegistry] })).set(7);
  once(
    HISTOGRAM,
    () => new Histogram({ name: HISTOGRAM, help: 'test', registers: [metricsRegistry] }),
  ).observe(0.2);
  server = await startOpsServer({ host: '127.0.0.1', port: 0, ready: () => true });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

/** The families of a text exposition, by the name on their `# TYPE` line. */
function families(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
}

describe('ops server /metrics', () => {
  it('without name[] renders every family', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metricsRegistry.contentType);
    expect(families(await res.text()).sort()).toEqual(
      metricsRegistry
        .getMetricsAsArray()
        .map((m) => m.name)
        .sort(),
    );
  });

  it('with name[] renders only the families asked for, as the full exposition does; unknown names are absent', async () => {
    const res = await fetch(
      `${base}/metrics?name[]=${COUNTER}&name%5B%5D=${HISTOGRAM}&name[]=tagpilot_no_such_metric&other=1`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metricsRegistry.contentType);
    const text = await res.text();
    expect(families(text).sort()).toEqual([HISTOGRAM, COUNTER].sort());
    expect(text).toContain(`${COUNTER}{kind="a"} 3\n`);
    expect(text).toContain(`${HISTOGRAM}_count 1\n`);
    // Each family's text is exactly its block of the full exposition.
    const full = await (await fetch(`${base}/metrics`)).text();
    for (const block of text.trimEnd().split('\n\n')) expect(full).toContain(`${block}\n`);
    expect(text).not.toContain(GAUGE);
  });

  it("runs every family's collect hook, so a family another one sets (as the heap gauges are) is current", async () => {
    // prom-client's default heap metrics work this way: heap_size_total's collect sets used and external.
    const SET = 'tagpilot_test_ops_set_by_sibling';
    const setBy = once(SET, () => new Gauge({ name: SET, help: 'test', registers: [metricsRegistry] }));
    let reads = 0;
    once(
      `${SET}_owner`,
      () =>
        new Gauge({
          name: `${SET}_owner`,
          help: 'test',
          registers: [metricsRegistry],
          collect() {
            reads++;
            setBy.set(reads);
          },
        }),
    );
    const first = await (await fetch(`${base}/metrics?name[]=${SET}`)).text();
    expect(first).toContain(`${SET} 1\n`);
    const second = await (await fetch(`${base}/metrics?name[]=${SET}`)).text();
    expect(second).toContain(`${SET} 2\n`);
  });

  it('answers 200 with nothing when no name asked for exists', async () => {
    const res = await fetch(`${base}/metrics?name[]=tagpilot_no_such_metric`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('refuses more than 64 names or a name over 200 characters with 400, saying the limit', async () => {
    const many = Array.from({ length: 65 }, (_, i) => `name[]=m${i}`).join('&');
    const tooMany = await fetch(`${base}/metrics?${many}`);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toMatch(/at most 64 name\[\] parameters of at most 200 characters/);

    const tooLong = await fetch(`${base}/metrics?name[]=${'x'.repeat(201)}`);
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toMatch(/at most 200 characters/);

    // 64 names, one of them 200 characters long: served.
    const atLimit = Array.from({ length: 62 }, (_, i) => `name[]=m${i}`).join('&');
    const ok = await fetch(`${base}/metrics?${atLimit}&name[]=${'x'.repeat(200)}&name[]=${GAUGE}`);
    expect(ok.status).toBe(200);
    expect(families(await ok.text())).toEqual([GAUGE]);
  });
});
