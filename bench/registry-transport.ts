// RSS of the registry transport alone: 200 tag-list requests (8 at a time, as the per-registry limit
// allows) through controller/registry/transport.ts against a plain-HTTP registry stub in another process.
// Measured in a fresh `node --max-semi-space-size=4` (the controller's setting) per tree, so a checkout of
// an older commit can be compared with this one on the same machine and load:
//   npx tsx bench/registry-transport.ts [--tree /path/to/other/checkout ...]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Transport as TransportClass } from '../controller/registry/transport.js';
import { loadLine, measureTree, startPeer, treesFromArgs } from './lib/trees.js';

const REQUESTS = 200;
const PARALLEL = 8;
const MiB = 1024 * 1024;

const STUB = `
const http = require('node:http');
const body = JSON.stringify({ name: 'app', tags: Array.from({ length: 30 }, (_, i) => '1.' + i + '.0') });
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

interface Sample {
  rssImportedMiB: number;
  rssAfterMiB: number;
  rssPeakMiB: number;
  cpuSeconds: number;
}

async function measure(tree: string, host: string): Promise<void> {
  const rss = () => process.memoryUsage().rss;
  const url = pathToFileURL(resolve(tree, 'controller/registry/transport.ts')).href;
  const { Transport } = (await import(url)) as { Transport: typeof TransportClass };
  const imported = rss();
  let peak = imported;
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 10);
  const cpu = process.cpuUsage();
  const transport = new Transport({
    timeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    maxAttempts: 3,
    retryBaseDelayMs: 500,
    maxRetryDelayMs: 10_000,
    maxRetryAfterMs: 60_000,
    concurrencyPerRegistry: PARALLEL,
    breakerCooldownMs: 30_000,
    userAgent: 'tagpilot-bench',
    proxy: {},
    logger: undefined,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    random: Math.random,
    now: Date.now,
  });
  for (let i = 0; i < REQUESTS; i += PARALLEL) {
    await Promise.all(
      Array.from({ length: PARALLEL }, async (_, j) => {
        const res = await transport.send({
          registry: host,
          kind: 'tags',
          method: 'GET',
          url: `http://${host}/v2/repo${i + j}/tags/list`,
          headers: { accept: 'application/json' },
          tls: { insecureSkipTLSVerify: false, caBundle: undefined },
          what: `the tags of ${host}/repo${i + j}`,
        });
        if (res.status !== 200) throw new Error(`stub answered ${res.status}`);
      }),
    );
  }
  const used = process.cpuUsage(cpu);
  peak = Math.max(peak, rss());
  clearInterval(sampler);
  await transport.close();
  console.log(
    JSON.stringify({
      rssImportedMiB: imported / MiB,
      rssAfterMiB: rss() / MiB,
      rssPeakMiB: peak / MiB,
      cpuSeconds: (used.user + used.system) / 1e6,
    }),
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') return measure(process.argv[3]!, process.argv[4]!);
  const trees = treesFromArgs(process.argv, import.meta.dirname);
  const stub = await startPeer(STUB);
  try {
    console.log(`load average ${loadLine()}; ${REQUESTS} requests, ${PARALLEL} at a time`);
    console.log('| tree | commit | RSS after import | RSS after requests | peak RSS | CPU s |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: |');
    for (const tree of trees) {
      const s = await measureTree<Sample>(import.meta.filename, ['--max-semi-space-size=4'], tree, stub.host);
      const f = (n: number) => `${n.toFixed(1)} MiB`;
      console.log(
        `| ${s.tree} | ${s.commit} | ${f(s.rssImportedMiB)} | ${f(s.rssAfterMiB)} | ${f(s.rssPeakMiB)} | ${s.cpuSeconds.toFixed(2)} |`,
      );
    }
  } finally {
    stub.stop();
  }
}

await main();
