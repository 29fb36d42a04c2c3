// RSS of the alert channels' HTTP transport: one alert through controller/alerts/deliver.ts to an
// AlertConfig with a Slack, Discord, Teams and generic webhook channel, all pointing at a plain-HTTP peer
// in another process, then 20 more alerts. Measured in a fresh `node --max-semi-space-size=4` (the
// controller's setting) per tree, so an older checkout can be compared with this one on the same load:
//   npx tsx bench/alert-transport.ts [--tree /path/to/other/checkout ...]
// Also reports how often the global fetch was called. (Node's bundled undici module itself is loaded by
// the import already: @kubernetes/client-node loads it; what fetch adds is its first use.)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { deliverAlert as DeliverAlert } from '../controller/alerts/deliver.js';
import type { AlertConfig } from '../crds/index.js';
import { loadLine, measureTree, startPeer, treesFromArgs } from './lib/trees.js';

const MORE_ALERTS = 20;
const MiB = 1024 * 1024;

const PEER = `
const http = require('node:http');
let n = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { n++; res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

interface Sample {
  rssImportedMiB: number;
  rssOneAlertMiB: number;
  rssMoreAlertsMiB: number;
  rssPeakMiB: number;
  rssAfterGcMiB: number;
  cpuSeconds: number;
  fetchCalls: number;
}

async function measure(tree: string, host: string): Promise<void> {
  const rss = () => process.memoryUsage().rss;
  // Counts calls of the global fetch without changing what it does.
  let fetchCalls = 0;
  const realFetch = globalThis.fetch;
  globalThis.fetch = (...args: Parameters<typeof fetch>) => {
    fetchCalls++;
    return realFetch(...args);
  };
  const url = pathToFileURL(resolve(tree, 'controller/alerts/deliver.ts')).href;
  const { deliverAlert } = (await import(url)) as { deliverAlert: typeof DeliverAlert };
  const imported = rss();
  let peak = imported;
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 10);
  const cpu = process.cpuUsage();
  const hook = (path: string) => ({ value: `http://${host}${path}` });
  const ac: AlertConfig = {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: 'bench', namespace: 'default' },
    spec: {
      slack: { webhookURL: hook('/services/T0/B0/x') },
      discord: { webhookURL: hook('/api/webhooks/1/x') },
      msteams: { webhookURL: hook('/webhookb2/x') },
      webhook: { url: `http://${host}/tagpilot`, secret: { value: 'hmac-key' } },
    },
  } as AlertConfig;
  const send = async (i: number) => {
    const outcomes = await deliverAlert(ac, {
      namespace: 'default',
      name: `web-${i}`,
      image: 'ghcr.io/acme/web',
      previousTag: '1.0.0',
      newTag: `1.0.${i + 1}`,
      rule: 'semver',
      time: new Date(),
      availableTags: ['1.0.0', `1.0.${i + 1}`],
    });
    const failed = outcomes.filter((o) => !o.ok);
    if (outcomes.length !== 4 || failed.length > 0) {
      throw new Error(`alert ${i} not delivered: ${JSON.stringify(outcomes)}`);
    }
  };
  await send(0);
  const oneAlert = rss();
  for (let i = 1; i <= MORE_ALERTS; i++) await send(i);
  const used = process.cpuUsage(cpu);
  const more = rss();
  peak = Math.max(peak, more);
  clearInterval(sampler);
  // What stays for the rest of the process's life, garbage aside.
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 100));
  const afterGc = rss();
  console.log(
    JSON.stringify({
      rssImportedMiB: imported / MiB,
      rssOneAlertMiB: oneAlert / MiB,
      rssMoreAlertsMiB: more / MiB,
      rssPeakMiB: peak / MiB,
      rssAfterGcMiB: afterGc / MiB,
      cpuSeconds: (used.user + used.system) / 1e6,
      fetchCalls,
    }),
  );
  // Keep-alive sockets of either transport must not hold the process open.
  process.exit(0);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') return measure(process.argv[3]!, process.argv[4]!);
  const trees = treesFromArgs(process.argv, import.meta.dirname);
  const peer = await startPeer(PEER);
  try {
    console.log(`load average ${loadLine()}; 1 alert to 4 HTTP channels, then ${MORE_ALERTS} more`);
    console.log(
      '| tree | commit | RSS after import | RSS after 1 alert | RSS after 21 | peak RSS | RSS after 21 and a GC | CPU s | fetch calls |',
    );
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const tree of trees) {
      const s = await measureTree<Sample>(
        import.meta.filename,
        ['--max-semi-space-size=4', '--expose-gc'],
        tree,
        peer.host,
      );
      const f = (n: number) => `${n.toFixed(1)} MiB`;
      console.log(
        `| ${s.tree} | ${s.commit} | ${f(s.rssImportedMiB)} | ${f(s.rssOneAlertMiB)} | ${f(s.rssMoreAlertsMiB)} | ${f(s.rssPeakMiB)} | ${f(s.rssAfterGcMiB)} | ${s.cpuSeconds.toFixed(2)} | ${s.fetchCalls} |`,
      );
    }
  } finally {
    peer.stop();
  }
}

await main();
