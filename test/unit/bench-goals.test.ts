// The controller bench's goal lines (bench/lib/controller-report.ts): docs/benchmarks.md quotes them,
// so "met by" and "missed by" must be computed against the right bound for the right phase.
import { describe, expect, it } from 'vitest';
import { goalLines, verdict, type Row } from '../../bench/lib/controller-report.js';

function row(over: Partial<Row>): Row {
  return {
    phase: 'p',
    seconds: 1,
    settled: 1,
    timedOut: false,
    evaluations: 1000,
    registry: new Map(),
    writes: new Map(),
    reads: new Map(),
    rssMiB: 100,
    cpuSeconds: 1,
    cpuEvaluated: 1,
    load: '0.1 0.1 0.1',
    ...over,
  };
}

describe('verdict', () => {
  it.each([
    [9.5, 10, 'x: 9.5 s (goal ≤ 10 s): met by 0.5 s'],
    [10, 10, 'x: 10.0 s (goal ≤ 10 s): met by 0.0 s'],
    [17.4, 10, 'x: 17.4 s (goal ≤ 10 s): MISSED by 7.4 s'],
  ])('%s against %s', (value, bound, line) => {
    expect(verdict('x', value, bound, 's')).toBe(line);
  });
});

describe('goalLines', () => {
  const rows = [
    row({ phase: 'start-up', seconds: 6.2, cpuSeconds: 3.5, rssMiB: 140 }),
    row({ phase: 'quiet', seconds: 5.2 }),
    row({ phase: 'update', seconds: 17.4, settled: 207, cpuSeconds: 15.3, cpuEvaluated: 6.5, rssMiB: 145 }),
    row({ phase: 'quiet after', writes: new Map([['APPLY images/status', 2]]) }),
  ];

  it('holds each phase of a 1,000-Image run to its own bounds', () => {
    expect(goalLines(rows, 1000)).toEqual([
      'peak RSS: 145.0 MiB (goal ≤ 150 MiB): met by 5.0 MiB',
      'start-up, all evaluated in: 6.2 s (goal ≤ 15 s): met by 8.8 s',
      'start-up, CPU: 3.5 s (goal ≤ 10 s): met by 6.5 s',
      'update tick, all evaluated in: 17.4 s (goal ≤ 10 s): MISSED by 7.4 s',
      'update tick, CPU until every rollout was judged: 15.3 s (goal ≤ 7 s): MISSED by 8.3 s',
      'update tick, CPU until all evaluated: 6.5 s (goal ≤ 7 s): met by 0.5 s',
      'quiet: 0 apiserver writes (goal 0): met',
      'quiet after: 2 apiserver writes (goal 0): MISSED',
    ]);
  });

  it('counts a phase that never evaluated every Image as at least its length', () => {
    const cut = [rows[0]!, rows[1]!, row({ phase: 'update', seconds: 0, settled: 900, timedOut: true })];
    const lines = goalLines(cut, 1000);
    expect(lines).toContain('update tick, all evaluated in: 900.0 s (goal ≤ 10 s): MISSED by 890.0 s');
    expect(lines.some((l) => l.startsWith('update tick, CPU until all evaluated'))).toBe(false);
  });

  it('holds the 10,000-Image row to its memory bound only, and other sizes to none', () => {
    expect(goalLines([row({ rssMiB: 285 })], 10_000)).toEqual([
      'peak RSS: 285.0 MiB (goal ≤ 300 MiB): met by 15.0 MiB',
    ]);
    expect(goalLines(rows, 10)).toEqual([]);
    expect(goalLines([], 1000)).toEqual([]);
  });
});
