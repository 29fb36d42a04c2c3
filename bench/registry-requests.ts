// Registry requests per check cycle: N Images over M repositories, checked at once by one RegistryClient,
// against the real registry (Debian's Distribution 2.8, started here in anonymous and token-auth mode).
// Every request is counted by a proxy in front of the registry (tag pages, manifest HEADs/GETs, 401s)
// and, for token mode, by the token realm itself; the bench fails unless each cycle sends exactly the
// minimum: one tag list per repository per TTL (every page), one HEAD per distinct tag followed by a
// digest rule, and in token mode one challenge per registry and one token per repository per token life.
//
// Run: npx tsx bench/registry-requests.ts        (part of `make bench`; numbers in docs/benchmarks.md)
// Env: BENCH_IMAGES (default 1000), BENCH_REPOS (default 100), BENCH_PAGE (tags per page, default 50)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RegistryClient, type RegistryAccess } from '../controller/registry/index.js';
import { registryRequests } from '../controller/registry/metrics.js';
import { startRegistryProxy } from '../test/integration/registry/registry-proxy.js';
import { pushTags } from '../test/testenv/images.js';
import { startRegistry, type RunningRegistry } from '../test/testenv/registry.js';

const N = Number(process.env.BENCH_IMAGES ?? 1000);
const M = Number(process.env.BENCH_REPOS ?? 100);
const PAGE = Number(process.env.BENCH_PAGE ?? 50);
const TTL_MS = 60_000;
/** Image evaluations in flight at once, like a controller worker pool woken by one cron schedule. */
const WORKERS = 64;

interface ImageSpec {
  repo: string;
  /** A digest rule follows this tag (HEAD); every other rule needs the tag list. */
  digestTag?: string;
}

/** Repository r holds 30 + 50·(r mod 4) tags: 1 to 4 pages at the default 50 tags per page. */
function tagCount(r: number): number {
  return 30 + 50 * (r % 4);
}

function repoName(r: number): string {
  return `bench/app-${String(r).padStart(3, '0')}`;
}

function images(): ImageSpec[] {
  // Image i follows repository i mod M. The first and the sixth "round" of Images over the repositories
  // use the digest rule on `latest` (2 per repository at N=1000, M=100); the rest use tag rules.
  return Array.from({ length: N }, (_, i) => {
    const round = Math.floor(i / M);
    const repo = repoName(i % M);
    return round % 5 === 0 ? { repo, digestTag: 'latest' } : { repo };
  });
}

async function pushRepositories(registry: RunningRegistry): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < M) {
      const r = next++;
      const tags = Array.from({ length: tagCount(r) - 1 }, (_, t) => `1.${Math.floor(t / 10)}.${t % 10}`);
      await pushTags(registry.info, repoName(r), [...tags, 'latest'], 8);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

function minimum(specs: ImageSpec[]): { pages: number; heads: number } {
  const repos = new Set(specs.filter((s) => !s.digestTag).map((s) => s.repo));
  let pages = 0;
  for (let r = 0; r < M; r++) if (repos.has(repoName(r))) pages += Math.max(1, Math.ceil(tagCount(r) / PAGE));
  const heads = new Set(specs.filter((s) => s.digestTag).map((s) => `${s.repo}:${s.digestTag}`)).size;
  return { pages, heads };
}

async function clientTokenRequests(registry: string): Promise<number> {
  const { values } = await registryRequests.get();
  return values
    .filter((v) => v.labels.registry === registry && v.labels.kind === 'token')
    .reduce((s, v) => s + v.value, 0);
}

interface CycleResult {
  label: string;
  tagPages: number;
  heads: number;
  manifestGets: number;
  challenges: number;
  tokens: number;
  total: number;
  minimum: number;
  ms: number;
}

async function runMode(mode: 'anonymous' | 'token', dir: string): Promise<CycleResult[]> {
  const registry = await startRegistry({ stateDir: dir, dataDir: dir, logDir: dir, mode });
  const proxy = await startRegistryProxy({ upstream: registry.info.host, maxPageSize: PAGE });
  try {
    const pushStart = performance.now();
    await pushRepositories(registry);
    console.error(
      `[bench] ${mode}: pushed ${M} repositories in ${((performance.now() - pushStart) / 1000).toFixed(1)} s`,
    );

    let clock = Date.parse('2025-01-01T00:00:00Z');
    const client = new RegistryClient({ now: () => clock, tagsTtlMs: TTL_MS, digestTtlMs: TTL_MS });
    const access: RegistryAccess =
      mode === 'token'
        ? { credentials: { username: registry.info.username, password: registry.info.password } }
        : {};
    const specs = images();
    const min = minimum(specs);

    const cycle = async (
      label: string,
      expectTokens: number,
      expectChallenges: number,
      expectWork: boolean,
    ) => {
      proxy.reset();
      const tokensBefore = registry.tokenRealm?.issued() ?? 0;
      const clientTokensBefore = await clientTokenRequests(proxy.host);
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < specs.length) {
          const spec = specs[next++]!;
          const ref = `${proxy.host}/${spec.repo}`;
          if (spec.digestTag) await client.getDigest(ref, spec.digestTag, access);
          else await client.listTags(ref, access);
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, worker));
      const ms = performance.now() - started;
      const reqs = proxy.requests;
      const tokens = (registry.tokenRealm?.issued() ?? 0) - tokensBefore;
      const clientTokens = (await clientTokenRequests(proxy.host)) - clientTokensBefore;
      if (tokens !== clientTokens)
        throw new Error(`${label}: realm issued ${tokens} tokens, client counted ${clientTokens}`);
      const result: CycleResult = {
        label,
        tagPages: reqs.filter((r) => r.kind === 'tags' && r.status === 200).length,
        heads: reqs.filter((r) => r.method === 'HEAD' && r.status === 200).length,
        manifestGets: reqs.filter((r) => r.method === 'GET' && r.kind === 'manifests').length,
        challenges: reqs.filter((r) => r.status === 401).length,
        tokens,
        total: reqs.length + tokens,
        minimum: (expectWork ? min.pages + min.heads : 0) + expectTokens + expectChallenges,
        ms,
      };
      const others = reqs.filter((r) => r.status !== 200 && r.status !== 401);
      if (others.length > 0)
        throw new Error(`${label}: unexpected responses ${JSON.stringify(others.slice(0, 3))}`);
      if (result.total !== result.minimum) {
        throw new Error(
          `${label}: ${result.total} requests, minimum is ${result.minimum}: ${JSON.stringify(result)}`,
        );
      }
      return result;
    };

    const authed = mode === 'token';
    const results = [await cycle('first cycle (cold)', authed ? M : 0, authed ? 1 : 0, true)];
    clock += TTL_MS / 2;
    results.push(await cycle('again within the TTL', 0, 0, false));
    clock += TTL_MS; // tag lists and HEAD results expired; 300 s tokens still valid
    results.push(await cycle('after the TTL', 0, 0, true));
    await client.close();
    return results;
  } finally {
    await proxy.close();
    await registry.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tagpilot-bench-registry-'));
try {
  const specs = images();
  const min = minimum(specs);
  const naive =
    specs
      .filter((s) => !s.digestTag)
      .reduce((sum, s) => sum + Math.max(1, Math.ceil(tagCount(Number(s.repo.slice(-3))) / PAGE)), 0) +
    specs.filter((s) => s.digestTag).length;
  console.log(
    `N=${N} Images over M=${M} repositories; ${specs.filter((s) => s.digestTag).length} Images use the digest rule; ` +
      `${PAGE} tags per page; minimum per cycle: ${min.pages} tag pages + ${min.heads} HEADs; ` +
      `without sharing it would be ${naive} (one listing/HEAD per Image)\n`,
  );
  console.log(
    '| registry | cycle | tag pages | manifest HEADs | manifest GETs | 401 challenges | tokens | total | minimum | wall time |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const mode of ['anonymous', 'token'] as const) {
    for (const r of await runMode(mode, dir)) {
      console.log(
        `| ${mode} | ${r.label} | ${r.tagPages} | ${r.heads} | ${r.manifestGets} | ${r.challenges} | ${r.tokens} | ${r.total} | ${r.minimum} | ${r.ms.toFixed(0)} ms |`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
