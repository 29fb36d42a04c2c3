/* global process, console */
// Records what a build is, for the programs' --version (common/version.ts): package.json's version and
// the git commit. Runs after `tsc` in `npm run build` and hack/images.sh. TAGPILOT_GIT_COMMIT wins (image
// builds pass it: a Dockerfile build has no .git), else git is asked here, at build time, never by the
// programs.
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
// The dist directory to write into: an argument (hack/images.sh compiles into its own), else ./dist.
const out = join(process.argv[2] ?? join(root, 'dist'), 'build-info.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(commit ? { version, commit } : { version })}\n`);
console.error(`wrote ${out}: ${version}${commit ? ` ${commit}` : ''}`);
