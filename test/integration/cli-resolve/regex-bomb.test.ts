// `tagpilot resolve` with a pattern that is catastrophic for a backtracking engine. V8's engine took 67 s
// for `^(a+)+$` against a 33-character `aaa…a_` tag and doubles with every character; the CLI runs user
// patterns on RE2 (controller/rules/pattern.ts), so the answer comes at once. The bound below is a
// generous "not blocked" limit that includes starting Node and tsx; the timing is in docs/benchmarks.md.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../../../bin/tagpilot');

function tagpilot(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((done) => {
    const child = execFile(bin, args, { encoding: 'utf8', timeout: 120_000 }, (_err, stdout, stderr) =>
      done({ code: child.exitCode, stdout, stderr, ms: performance.now() - started }),
    );
  });
}

describe('tagpilot resolve with a regex bomb', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-bomb-'));
  const tagsFile = join(dir, 'tags.txt');
  // 33 and 40 characters: at 40, a backtracking engine would need hours.
  writeFileSync(tagsFile, [`${'a'.repeat(32)}_`, `${'a'.repeat(39)}_`, 'aa', 'aaa'].join('\n') + '\n');

  it('answers the rule form at once with the right tag', async () => {
    const run = await tagpilot([
      'resolve',
      '--rule',
      'regex',
      '--value',
      '^(a+)+$',
      '--current',
      'a',
      '--tags-file',
      tagsFile,
    ]);
    expect(run).toMatchObject({ code: 0, stdout: 'aaa\n' });
    expect(run.ms).toBeLessThan(30_000);
  });

  it('answers the filter form at once', async () => {
    const run = await tagpilot([
      'resolve',
      '--rule',
      'alphabetical',
      '--exclude',
      '^(a+)+$',
      '--current',
      'a',
      '--tags-file',
      tagsFile,
    ]);
    // Only the `…_` tags survive the exclude; the highest in text order wins.
    expect(run).toMatchObject({ code: 0, stdout: `${'a'.repeat(39)}_\n` });
    expect(run.ms).toBeLessThan(30_000);
  });

  it('rejects a backreference with the flag named and the RE2 hint', async () => {
    const run = await tagpilot([
      'resolve',
      '--rule',
      'regex',
      '--value',
      '^(a)\\1$',
      '--current',
      'a',
      '--tags-file',
      tagsFile,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^tagpilot resolve: --value: invalid regular expression .*RE2 syntax: no backreferences or lookaround; see docs\/rules\.md\n$/,
    );
  });
});
