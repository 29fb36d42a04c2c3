/* global process, console */
// Records what a build is, for the programs' --version (common/version.ts): package.json's version and
// the git commit. Runs after `tsc` in `npm run build`; TAGPILOT_GIT_COMMIT wins (image builds without
// .git pass it as a build argument), else git is asked here, at build time, never by the programs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function gitCommit() {
  if (process.env.TAGPILOT_GIT_COMMIT) return process.env.TAGPILOT_GIT_COMMIT;
  try {
    const git = (...args) =>
      execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? commit : `${commit}-dirty`;
  } catch {
    return undefined; // no git, or not a checkout: the version alone
  }
}

const commit = gitCommit();
const out = join(root, 'dist', 'build-info.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(commit ? { version, commit } : { version })}\n`);
console.error(`wrote dist/build-info.json: ${version}${commit ? ` ${commit}` : ''}`);
