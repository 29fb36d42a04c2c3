// OCI images on this machine without a container daemon, with the Debian tools `make images` installs
// (hack/ensure-deps.sh --images): skopeo copies between an OCI layout and a registry, umoci unpacks an
// image into a runtime bundle, runc runs the bundle. Containers get what the chart's Pods get: a
// read-only root, an emptyDir-like tmpfs on /tmp, no capabilities, no privilege escalation. They share
// the host's network namespace, so they reach the test apiserver and registries on 127.0.0.1.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCommand, type Program } from '../integration/install/programs.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; resolves with the exit code instead of throwing. */
export function exec(
  command: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Like exec, but throws with the command's stderr when it fails: for steps that are not under test. */
export async function mustExec(
  command: string,
  args: readonly string[],
  opts?: { cwd?: string; timeoutMs?: number },
): Promise<string> {
  const r = await exec(command, args, opts);
  if (r.code !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim().slice(-4000)}`);
  return r.stdout;
}

/** skopeo copy between transports (oci:DIR:REF, docker://HOST/REPO:TAG); the test registries are plain HTTP. */
export const copyImage = (src: string, dest: string) =>
  mustExec('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', src, dest], {
    timeoutMs: 600_000,
  });

/** The manifest digest a layout's ref points to (index.json, ref.name annotation). */
export function layoutDigest(layout: string, ref: string): string {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const m = index.manifests.find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === ref);
  if (!m) throw new Error(`OCI layout ${layout} has no image named ${ref}`);
  return m.digest;
}

/** A blob of an OCI layout, parsed as JSON (manifests and configs). */
export function layoutBlob<T>(layout: string, digest: string): T {
  return JSON.parse(readFileSync(join(layout, 'blobs', digest.replace(':', '/')), 'utf8')) as T;
}

/** umoci unpack of LAYOUT:REF into a runtime bundle (rootfs/ and a config.json from the image config). */
export async function unpackBundle(layout: string, ref: string, bundle: string): Promise<void> {
  await mustExec('umoci', ['unpack', '--image', `${layout}:${ref}`, bundle], { timeoutMs: 600_000 });
}

export interface ContainerOptions {
  /** Replaces the process arguments (default: the image's entrypoint). */
  argv?: string[];
  /** Appended to the image's entrypoint. */
  args?: string[];
  env?: Record<string, string>;
  /** Read-only bind mounts: host directory → path in the container. */
  mounts?: { source: string; destination: string }[];
}

interface RuntimeConfig {
  process: {
    args: string[];
    env: string[];
    terminal?: boolean;
    noNewPrivileges?: boolean;
    capabilities?: object;
  };
  root: { path: string; readonly?: boolean };
  mounts: { destination: string; type: string; source: string; options?: string[] }[];
  linux: { namespaces: { type: string }[] };
}

/** Rewrites the bundle's config.json for the next `runc run` of it. */
export function configureBundle(bundle: string, opts: ContainerOptions = {}): void {
  const file = join(bundle, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as RuntimeConfig;
  const original = JSON.parse(readFileSync(join(bundle, 'config.image.json'), 'utf8')) as RuntimeConfig;
  config.process.args = opts.argv ?? [...original.process.args, ...(opts.args ?? [])];
  config.process.env = [
    ...original.process.env,
    ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
  ];
  config.process.terminal = false;
  config.process.noNewPrivileges = true;
  config.process.capabilities = { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] };
  config.root.readonly = true;
  config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
  config.mounts = [
    ...original.mounts,
    {
      destination: '/tmp',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'mode=1777', 'size=64m'],
    },
    ...(opts.mounts ?? []).map((m) => ({
      destination: m.destination,
      type: 'bind',
      source: m.source,
      options: ['rbind', 'ro'],
    })),
  ];
  writeFileSync(file, JSON.stringify(config, null, 2));
}

/** Keeps umoci's config.json as written, so every configureBundle starts from the image's own settings. */
export function keepImageConfig(bundle: string): void {
  writeFileSync(join(bundle, 'config.image.json'), readFileSync(join(bundle, 'config.json')));
}

/** Runs the bundle to completion (`runc run`), e.g. `node --version`. */
export async function runToCompletion(runcRoot: string, bundle: string, id: string): Promise<ExecResult> {
  const r = await exec('runc', ['--root', runcRoot, 'run', '--bundle', bundle, id], { timeoutMs: 60_000 });
  await exec('runc', ['--root', runcRoot, 'delete', '--force', id]);
  return r;
}

/** Starts the bundle as a long-running Program; runc forwards stop()'s SIGTERM to the container. */
export function startContainer(
  name: string,
  runcRoot: string,
  bundle: string,
  id: string,
  logDir: string,
): Program {
  return startCommand(name, 'runc', ['--root', runcRoot, 'run', '--bundle', bundle, id], logDir);
}

/** Removes a container whatever its state (after stop(), or after a failed run). */
export async function deleteContainer(runcRoot: string, id: string): Promise<void> {
  await exec('runc', ['--root', runcRoot, 'delete', '--force', id]);
}

/**
 * A ServiceAccount volume as the kubelet projects it (token, ca.crt, namespace), for in-cluster config:
 * mount it at /var/run/secrets/kubernetes.io/serviceaccount and set KUBERNETES_SERVICE_HOST/PORT.
 */
export function serviceAccountVolume(dir: string, token: string, caPem: string, namespace: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token, { mode: 0o644 });
  writeFileSync(join(dir, 'ca.crt'), caPem, { mode: 0o644 });
  writeFileSync(join(dir, 'namespace'), namespace, { mode: 0o644 });
  // The container runs as 65532; the directory comes from mkdtemp (0700).
  chmodSync(dir, 0o755);
  return dir;
}
