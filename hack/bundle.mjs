/* global process, console */
// Bundles each program into one minified ES module (plus lazily loaded chunks for what it does not always
// use: the controller's cloud registry SDKs and nodemailer, the operator's certificate issuer) with
// esbuild, over the `tsc` output, so the shipped entrypoints stay `node dist/controller/main.js` and
// `node dist/operator/main.js`. Why: @kubernetes/client-node alone is 826 modules; loading them one by
// one costs each program about 30–40 MiB of RSS and 1–2 s of start-up that the bundle does not
// (docs/benchmarks.md, "Controller" and "Operator"). Runs after `tsc` in `npm run build`, in
// hack/images.sh and in bench/controller.ts and bench/operator.ts.
// Usage: node hack/bundle.mjs [DIST] [PROGRAM...]   (default ./dist, both programs)
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.argv[2] ?? join(root, 'dist');
const PROGRAMS = ['controller', 'operator'];
const wanted = process.argv.slice(3);
const unknown = wanted.filter((p) => !PROGRAMS.includes(p));
if (unknown.length > 0)
  throw new Error(`unknown program ${unknown.join(', ')}; the programs are ${PROGRAMS.join(', ')}`);

/** What every program's bundle shares; each gets its own directory and chunks (no code shared at run time). */
const common = {
  absWorkingDir: root,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  minify: true,
  // Error stacks and logs keep readable function and class names.
  keepNames: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __tagpilotRequire } from 'node:module'; const require = __tagpilotRequire(import.meta.url);",
  },
  // tr46 (via client-node's node-fetch) asks for Node's deprecated built-in punycode, which warns once
  // the code is outside node_modules; the npm package is the same code.
  alias: { punycode: 'punycode/punycode.js' },
  legalComments: 'none',
  logLevel: 'warning',
};

for (const program of wanted.length > 0 ? wanted : PROGRAMS) {
  const outdir = join(dist, program);
  rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
  await build({ ...common, entryPoints: { main: `${program}/main.ts` }, outdir });
  console.error(`[bundle] ${join(outdir, 'main.js')}`);
}
