// `--version` on every program, as a user runs it: the two programs' entry points and the CLI launcher.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const run = promisify(execFile);

describe('--version', () => {
  it.each([
    ['tagpilot-operator', [process.execPath, '--import', 'tsx', 'operator/main.ts', '--version']],
    ['tagpilot-controller', [process.execPath, '--import', 'tsx', 'controller/main.ts', '--version']],
    ['tagpilot', [process.execPath, join(root, 'bin', 'tagpilot'), '--version']],
  ])(
    '%s prints its name and the package version, exit 0',
    { timeout: 90_000 },
    async (program, [cmd, ...args]) => {
      const r = await run(cmd!, args, { cwd: root, timeout: 80_000 });
      // A source checkout has no build-info.json: the version is package.json's and no commit is claimed.
      expect(r.stdout).toBe(`${program} ${version} (commit unknown: not a build, node ${process.version})\n`);
    },
  );
});
