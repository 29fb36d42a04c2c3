// newest-build's registry cost: build times come from image configs, which are content-addressed, so the
// client fetches each manifest and config once per process; later checks only repeat the tags' HEADs
// (once per digest TTL). Against the real registry (Distribution 2.8, anonymous), every request counted
// by a proxy in front of it; the bench fails unless each cycle sends exactly the expected requests.
//
// Run: npx tsx bench/newest-build.ts        (part of `make bench`; numbers in docs/benchmarks.md)
// Env: BENCH_BUILDS (distinct builds, default 200), BENCH_RETAGS (extra tags on existing builds, default 100)
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildTimes } from '../controller/engine/build-times.js';
import { parseImageReference, RegistryClient } from '../controller/registry/index.js';
import { resolve } from '../domain/rules/index.js';
import { startRegistryProxy } from '../test/integration/registry/registry-proxy.js';
import { pushImage, RegistrySession } from '../test/testenv/images.js';
import { startRegistry } from '../test/testenv/registry.js';

const BUILDS = Number(process.env.BENCH_BUILDS ?? 200);
const RETAGS = Number(process.env.BENCH_RETAGS ?? 100);
const TTL_MS = 60_000;
const REPO = 'bench/commits';

const sha = (i: number) => (0x1000000 + i * 7919).toString(16).slice(-7);
const createdOf = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();

const dir = mkdtempSync(join(tmpdir(), 'tagpilot-bench-newest-'));
const registry = await startRegistry({ stateDir: dir, dataDir: dir, logDir: dir, mode: 'anonymous' });
const proxy = await startRegistryProxy({ upstream: registry.info.host });
try {
  // BUILDS distinct images (own config, own created), pushed in a shuffled order, then RETAGS extra
  // tags pointing at existing builds (as `docker tag` + push does): same manifest digest, no new config.
  const order = Array.from({ length: BUILDS }, (_, i) => i).sort((a, b) => ((a * 31) % 97) - ((b * 31) % 97));
  for (const i of order) await pushImage(registry.info, REPO, `main-${sha(i)}`, { created: createdOf(i) });
  const session = new RegistrySession(registry.info);
  for (let k = 0; k < RETAGS; k++) {
    const i = (k * 13) % BUILDS;
    const res = await session.fetch(REPO, `/v2/${REPO}/manifests/main-${sha(i)}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const body = await res.text();
    await session.putManifest(
      REPO,
      `retag-${k}-${sha(i)}`,
      JSON.parse(body) as object,
      'application/vnd.oci.image.manifest.v1+json',
    );
  }
  const tags = BUILDS + RETAGS;

  let clock = Date.parse('2026-06-01T00:00:00Z');
  const client = new RegistryClient({ now: () => clock, tagsTtlMs: TTL_MS, digestTtlMs: TTL_MS });
  const ref = parseImageReference(`${proxy.host}/${REPO}`);
  const current = `main-${sha(0)}`;

  const cycle = async (label: string, expect: { heads: number; gets: number; blobs: number }) => {
    proxy.reset();
    const started = performance.now();
    const list = await client.listTags(ref, {});
    const created = await buildTimes(client, { ref, access: {}, tags: list, current });
    const decision = resolve({ rule: { type: 'newest-build' }, current, tags: list, created });
    const ms = performance.now() - started;
    const reqs = proxy.requests;
    const row = {
      label,
      heads: reqs.filter((r) => r.method === 'HEAD' && r.kind === 'manifests').length,
      gets: reqs.filter((r) => r.method === 'GET' && r.kind === 'manifests').length,
      blobs: reqs.filter((r) => r.method === 'GET' && r.kind === 'blobs').length,
      tagPages: reqs.filter((r) => r.kind === 'tags').length,
      pick: decision.kind === 'change' ? decision.tag : '(none)',
      ms,
    };
    if (row.heads !== expect.heads || row.gets !== expect.gets || row.blobs !== expect.blobs)
      throw new Error(`${label}: expected ${JSON.stringify(expect)}, got ${JSON.stringify(row)}`);
    const want = `main-${sha(BUILDS - 1)}`;
    if (row.pick !== want && !label.startsWith('after a push'))
      throw new Error(`${label}: picked ${row.pick}, not ${want}`);
    return row;
  };

  const rows = [await cycle('first check (cold)', { heads: tags, gets: BUILDS, blobs: BUILDS })];
  clock += TTL_MS / 2;
  rows.push(await cycle('again within the TTL', { heads: 0, gets: 0, blobs: 0 }));
  clock += TTL_MS;
  rows.push(await cycle('after the TTL', { heads: tags, gets: 0, blobs: 0 }));
  await pushImage(registry.info, REPO, `main-${sha(BUILDS)}`, { created: createdOf(BUILDS) });
  clock += TTL_MS;
  rows.push(
    await cycle('after a push of one new build (TTL expired)', { heads: tags + 1, gets: 1, blobs: 1 }),
  );
  await client.close();

  console.log(
    `${BUILDS} builds + ${RETAGS} re-tags = ${tags} tags in one repository; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (${process.version})\n`,
  );
  console.log('| check | manifest HEADs | manifest GETs | config GETs | tag pages | pick | wall time |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.label} | ${r.heads} | ${r.gets} | ${r.blobs} | ${r.tagPages} | ${r.pick} | ${r.ms.toFixed(0)} ms |`,
    );
} finally {
  await proxy.close();
  await registry.stop();
  rmSync(dir, { recursive: true, force: true });
}
