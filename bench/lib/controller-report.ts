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
  /** The controller's CPU from the phase's start until every Image was evaluated (0: never). */
  cpuEvaluated: number;
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
  return `| ${r.phase} | ${evaluatedIn} | ${judgedIn} | ${r.evaluations} | ${sum(r.registry)} (${fmt(r.registry)}) | ${sum(r.writes)} (${fmt(r.writes)}) | ${sum(r.reads)} (${fmt(r.reads)}) | ${r.seconds ? `${r.cpuEvaluated.toFixed(1)} s` : '—'} | ${r.cpuSeconds.toFixed(1)} s | ${r.rssMiB.toFixed(0)} MiB | ${r.load} |`;
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
    '| phase | all evaluated in | rollouts judged in | evaluations | registry requests | apiserver writes | controller reads | CPU until all evaluated | CPU until judged | peak RSS | load |',
  );
  console.log('| --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: | --- |');
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
  const goals = goalLines(rows, images);
  if (goals.length) console.log(`\nGoals (docs/benchmarks.md):\n${goals.map((g) => `- ${g}`).join('\n')}`);
}

/** A figure against its upper bound: "12.3 s ≤ 15 s: met by 2.7 s" or "… missed by …". */
export function verdict(what: string, value: number, bound: number, unit: string): string {
  const by = Math.abs(bound - value).toFixed(1);
  return `${what}: ${value.toFixed(1)} ${unit} (goal ≤ ${bound} ${unit}): ${value <= bound ? `met by ${by}` : `MISSED by ${by}`} ${unit}`;
}

/**
 * The goals a run of the bench is held to, each with how far it is met or missed: at 1,000 Images the
 * whole run's peak RSS ≤ 150 MiB, start-up ≤ 15 s and ≤ 10 CPU s, the update tick ≤ 10 s and ≤ 7 CPU s,
 * no write on a quiet tick; at 10,000 the peak RSS ≤ 300 MiB. Phases by position (start-up, quiet tick,
 * update tick, quiet tick); other sizes have no goals.
 */
export function goalLines(rows: readonly Row[], images: number): string[] {
  if (rows.length === 0) return [];
  const peak = Math.max(...rows.map((r) => r.rssMiB));
  if (images === 10_000) return [verdict('peak RSS', peak, 300, 'MiB')];
  if (images !== 1_000) return [];
  const out = [verdict('peak RSS', peak, 150, 'MiB')];
  const [startUp, quiet, update, quietAfter] = rows;
  // A phase in which not every Image was evaluated took at least as long as it lasted.
  const evaluatedIn = (r: Row) => r.seconds || r.settled;
  if (startUp) {
    out.push(verdict('start-up, all evaluated in', evaluatedIn(startUp), 15, 's'));
    out.push(verdict('start-up, CPU', startUp.cpuSeconds, 10, 's'));
  }
  if (update) {
    out.push(verdict('update tick, all evaluated in', evaluatedIn(update), 10, 's'));
    out.push(verdict('update tick, CPU until every rollout was judged', update.cpuSeconds, 7, 's'));
    if (update.seconds)
      out.push(verdict('update tick, CPU until all evaluated', update.cpuEvaluated, 7, 's'));
  }
  for (const r of [quiet, quietAfter])
    if (r) {
      const writes = sum(r.writes);
      out.push(`${r.phase}: ${writes} apiserver writes (goal 0): ${writes === 0 ? 'met' : 'MISSED'}`);
    }
  return out;
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
