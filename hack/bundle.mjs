/* global process, console */
// Bundles the controller program into one minified ES module (plus lazily loaded chunks: cloud registry
// SDKs, nodemailer) with esbuild, over the `tsc` output's dist/controller/main.js, so the shipped
// entrypoint stays `node dist/controller/main.js`. Why: @kubernetes/client-node alone is 826 modules;
// loading them one by one costs the controller 40 MiB of RSS and 2 s of start-up that the bundle does
// not (docs/benchmarks.md, "Controller"). Runs after `tsc` in `npm run build`, in hack/images.sh and in
// bench/controller.ts.
// Usage: node hack/bundle.mjs [DIST]   (default ./dist)
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.argv[2] ?? join(root, 'dist');
const outdir = join(dist, 'controller');
rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'controller/main.ts' },
  outdir,
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
});
console.error(`[bundle] ${join(outdir, 'main.js')}`);
