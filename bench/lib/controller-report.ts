// The controller bench's table: one row per phase, printed as each phase ends (so that a run cut short
// by its deadline still shows what it measured) and as a whole at the end.

export interface Row {
  phase: string;
  seconds: number;
  settled: number;
  /** Not settled within the phase limit: `settled` (and `seconds` when 0) is a lower bound. */
  timedOut: boolean;
  evaluations: number;
  registry: Map<string, number>;
  writes: Map<string, number>;
  reads: Map<string, number>;
  rssMiB: number;
  cpuSeconds: number;
  load: string;
}

const fmt = (m: Map<string, number>) =>
  [...m]
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '0';
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export function formatRow(r: Row): string {
  const evaluatedIn = r.seconds ? `${r.seconds.toFixed(1)} s` : `> ${r.settled.toFixed(0)} s`;
  const judgedIn = r.timedOut ? `> ${r.settled.toFixed(0)} s (not settled)` : `${r.settled.toFixed(1)} s`;
  return `| ${r.phase} | ${evaluatedIn} | ${judgedIn} | ${r.evaluations} | ${sum(r.registry)} (${fmt(r.registry)}) | ${sum(r.writes)} (${fmt(r.writes)}) | ${sum(r.reads)} (${fmt(r.reads)}) | ${r.cpuSeconds.toFixed(1)} s | ${r.rssMiB.toFixed(0)} MiB | ${r.load} |`;
}

/** The run's line, the table of `rows`, the per-Image figures and `notes` (one paragraph each), on stdout. */
export function printTable(
  run: string,
  rows: readonly Row[],
  images: number,
  tail = '',
  notes: readonly string[] = [],
): void {
  console.log('');
  console.log(run);
  console.log('');
  console.log(
    '| phase | all evaluated in | rollouts judged in | evaluations | registry requests | apiserver writes | controller reads | CPU | peak RSS | load |',
  );
  console.log('| --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | --- |');
  for (const r of rows) console.log(formatRow(r));
  if (rows.length === 0) return;
  const peak = Math.max(...rows.map((r) => r.rssMiB));
  console.log('');
  console.log(
    `Per Image: peak RSS ${((peak * 1024) / images).toFixed(1)} KiB; CPU ${rows
      .map((r) => `${((r.cpuSeconds * 1000) / images).toFixed(1)} ms`)
      .join(' / ')} (phases in order)${tail}`,
  );
  for (const note of notes) console.log(`\n${note}`);
}

/** One poll of a phase's first seconds: Images evaluated so far, CPU seconds so far (test environment: by process). */
export interface Sample {
  evaluated: number;
  controller: number;
  env: number[];
}

/**
 * A phase second by second from its tick: Images evaluated so far, then CPU ms per second of the
 * controller and of each test-environment process that used at least 1 s, so a phase bound by the
 * apiserver's CPU reads as such.
 */
export function timelineLine(
  samples: readonly Sample[],
  testEnv: readonly (readonly [number, string])[],
): string {
  const perSecond = (values: number[]) =>
    values
      .slice(1)
      .map((v, i) => Math.round(1000 * (v - values[i]!)))
      .join(' ');
  const heavy = testEnv
    .map(([, command], i) => ({ command, i, cpu: samples.at(-1)!.env[i]! - samples[0]!.env[i]! }))
    .filter((e) => e.cpu >= 1);
  return [
    `second by second from the tick: evaluated ${samples.map((t) => t.evaluated).join(' ')}`,
    `CPU ms: controller ${perSecond(samples.map((t) => t.controller))}`,
    ...heavy.map((e) => `${e.command} ${perSecond(samples.map((t) => t.env[e.i]!))}`),
  ].join('; ');
}
