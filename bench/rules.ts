// Rule engine benchmark: every rule type resolves a 10,000-tag list; target under 10 ms per decision.
// Run: npx tsx bench/rules.ts   (part of `make bench`; numbers go to docs/benchmarks.md "## Rules")
//
// The list mixes what registries really return: 6,500 node image tags (test/fixtures/tags/node.txt),
// calendar versions, CI build numbers, plain numbers and commit tags, so each rule has to walk and parse
// all 10,000 and most are thrown away by its filters, as in production.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from '../domain/rules/index.js';
import type { ResolveInput, RuleSpec } from '../domain/rules/index.js';

const TAGS = 10_000;
const WARMUP = 30;
const RUNS = Number(process.env.BENCH_RUNS ?? 300);

function buildTags(): string[] {
  const node = readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'tags', 'node.txt'), 'utf8')
    .split('\n')
    .filter(Boolean);
  // Every 1.74th node tag, so all lines and variants are represented, keeping 20.x alpine tags in.
  const picked = node.filter((_t, i) => i % 7 !== 3 && i % 5 !== 1).slice(0, 6_500);
  const tags = new Set(picked);
  for (let d = 0; tags.size < 7_700; d++) {
    const date = new Date(Date.UTC(2021, 0, 1) + d * 86_400_000);
    tags.add(
      `${date.getUTCFullYear()}.${String(date.getUTCMonth() + 1).padStart(2, '0')}.${String(date.getUTCDate()).padStart(2, '0')}`,
    );
  }
  for (let b = 1; tags.size < 8_900; b++) tags.add(`main-${b}`);
  for (let n = 100_000; tags.size < 9_500; n += 7) tags.add(String(n));
  let x = 0x9e3779b9;
  while (tags.size < TAGS) {
    x = (Math.imul(x ^ (x >>> 16), 0x45d9f3b) + 1) >>> 0;
    tags.add(`sha-${x.toString(16).padStart(8, '0').slice(0, 7)}`);
  }
  // A Distribution registry lists tags in text order; the controller sees them that way.
  return [...tags].sort();
}

/** Deterministic shuffle, for the rows that check the cost does not hinge on listing order. */
function shuffled(list: readonly string[]): string[] {
  const out = [...list];
  let x = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const tags = buildTags();
if (tags.length !== TAGS) throw new Error(`bench list has ${tags.length} tags, want ${TAGS}`);
const bombTags = Array.from({ length: 20 }, (_, i) => `${'a'.repeat(33 - i)}_`);
const digests = Object.fromEntries(tags.map((t, i) => [t, `sha256:${i.toString(16).padStart(64, '0')}`]));

const cases: [RuleSpec, string, Partial<ResolveInput>?][] = [
  [{ type: 'semver-major' }, '18.0.0-alpine'],
  [{ type: 'semver-minor' }, '20.11.0-alpine'],
  [{ type: 'semver-patch' }, '20.11.0'],
  [{ type: 'semver-range', value: '>=18 <23' }, '18.0.0-bookworm-slim'],
  [{ type: 'calver-major' }, '2021.01.01'],
  [{ type: 'calver-minor' }, '2022.03.01'],
  [{ type: 'calver-patch' }, '2022.03.01'],
  [{ type: 'regex', value: 'main-(?<version>\\d+)' }, 'main-10'],
  [{ type: 'regex', value: 'main-(?P<version>\\d+)' }, 'main-10'],
  // Catastrophic for a backtracking engine (minutes per tag on V8), linear on RE2: the 10,000 tags plus
  // 34-character `aaa…a_` tags, as rule and as filter.
  [{ type: 'regex', value: '^(a+)+$' }, 'a', { tags: [...tags, ...bombTags] }],
  [{ type: 'semver-minor' }, '20.11.0', { tags: [...tags, ...bombTags], filter: { exclude: ['^(a+)+$'] } }],
  [{ type: 'alphabetical' }, '2021.01.01'],
  [{ type: 'numerical' }, '100000'],
  [{ type: 'digest' }, '20', { currentDigest: 'sha256:old', digests }],
  [{ type: 'always' }, '1.0.0'],
  // The filters run first on every tag; this is their cost on top of a rule.
  [
    { type: 'semver-minor' },
    '20.11.0-alpine',
    { filter: { include: '^\\d', exclude: ['-rc', 'windows', 'onbuild'] } },
  ],
  // Same decisions with the list in random order (Docker Hub's API, for one, lists by push date).
  [{ type: 'semver-minor' }, '20.11.0-alpine', { tags: shuffled(tags) }],
  [{ type: 'always' }, '1.0.0', { tags: shuffled(tags) }],
];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const rows: string[][] = [];
const only = process.env.BENCH_RULE;
for (const [rule, current, extra] of cases.filter(([r]) => only === undefined || r.type === only)) {
  const input: ResolveInput = { rule, current, tags, ...extra };
  const decision = resolve(input);
  for (let i = 0; i < WARMUP; i++) resolve(input);
  // Wall time is what a reconcile waits; CPU time (this process, all threads: GC included) is what a
  // decision costs when the machine is shared, as the CI and dev machines are.
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    resolve(input);
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const bomb = extra?.tags?.some((t) => t.endsWith('a_')) ?? false;
  const label = `${rule.type}${rule.value ? ` ${rule.value}` : ''}${
    extra?.filter?.exclude?.[0] === '^(a+)+$' ? ' + exclude ^(a+)+$' : extra?.filter ? ' + tagFilter' : ''
  }${bomb ? ' (+20 aaa…a_ tags)' : extra?.tags ? ', shuffled list' : ''}`;
  const outcome = decision.kind === 'change' ? `${current} -> ${decision.tag}` : `${current}: no change`;
  rows.push([
    label,
    mean(times).toFixed(2),
    quantile(times, 0.5).toFixed(2),
    quantile(times, 0.99).toFixed(2),
    mean(cpus).toFixed(2),
    quantile(cpus, 0.99).toFixed(2),
    outcome,
  ]);
}

const header = [
  'rule (10,000 tags)',
  'wall mean ms',
  'wall p50',
  'wall p99',
  'cpu mean ms',
  'cpu p99',
  'decision',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
console.log(
  `node ${process.version}, ${availableParallelism()} CPUs, load average ${load}; ${RUNS} runs per rule after ${WARMUP} warm-up runs`,
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
