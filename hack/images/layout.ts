// Writes the OCI image layout of `make images` (hack/images.sh) from the layer tarballs it built: one
// config and one manifest per program, both images sharing every layer. The JSON carries no timestamp
// and no host detail, so equal layers give equal digests; the Dockerfile's runtime targets declare the
// same user, environment, entrypoints and labels (test/integration/install/dockerfile.test.ts).
//
// Usage: tsx hack/images/layout.ts LAYERS_TSV OUT_DIR   (TSV rows: gzip path, diff_id, created_by)
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const mediaTypes = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** What both images run with; the chart adds a read-only root and an emptyDir on /tmp. */
export const runtime = {
  user: '65532:65532',
  workingDir: '/app',
  env: [
    'PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'NODE_ENV=production',
  ],
} as const;

/** One entry per program: the `ref.name` in the layout is the key. */
export const programs = {
  operator: {
    title: 'tagpilot-operator',
    description: 'Tagpilot operator: Image/AlertConfig reconcilers and admission webhooks',
    // V8 tuned for memory, the young generation capped (see the Dockerfile's operator stage).
    entrypoint: [
      '/nodejs/bin/node',
      '--optimize-for-size',
      '--max-semi-space-size=8',
      'dist/operator/main.js',
    ],
    ports: ['9443/tcp', '8080/tcp'],
  },
  controller: {
    title: 'tagpilot-controller',
    description: 'Tagpilot controller: triggers, registry, rules and actions',
    // The young generation capped, the old generation grown by 30 % steps, WebAssembly (fetch's HTTP
    // parser, loaded by webhook alert channels) kept on the baseline compiler (see the Dockerfile).
    entrypoint: [
      '/nodejs/bin/node',
      '--max-semi-space-size=4',
      '--heap-growing-percent=30',
      '--liftoff-only',
      'dist/controller/main.js',
    ],
    ports: ['8080/tcp'],
  },
} as const;
export type Program = keyof typeof programs;

export interface Layer {
  /** sha256 of the gzip blob, as the manifest names it. */
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar, as the config's rootfs names it. */
  diffId: string;
  createdBy: string;
}

export interface BuildInfo {
  version: string;
  revision: string;
  architecture: string;
}

/** The image configuration: deterministic key order, no `created`, no history timestamps. */
export function imageConfig(program: Program, layers: readonly Layer[], build: BuildInfo): object {
  const p = programs[program];
  return {
    architecture: build.architecture,
    os: 'linux',
    config: {
      User: runtime.user,
      Env: [...runtime.env],
      Entrypoint: [...p.entrypoint],
      WorkingDir: runtime.workingDir,
      ExposedPorts: Object.fromEntries(p.ports.map((port) => [port, {}])),
      Labels: {
        'org.opencontainers.image.title': p.title,
        'org.opencontainers.image.description': p.description,
        'org.opencontainers.image.licenses': 'Apache-2.0',
        'org.opencontainers.image.version': build.version,
        'org.opencontainers.image.revision': build.revision,
      },
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created_by: l.createdBy })),
  };
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Writes blob bytes under blobs/sha256/ and returns its descriptor. */
function putBlob(dir: string, data: Buffer, mediaType: string) {
  const digest = sha256(data);
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return { mediaType, digest, size: data.length };
}

export function writeLayout(
  out: string,
  layerFiles: readonly { path: string; layer: Layer }[],
  build: BuildInfo,
) {
  mkdirSync(join(out, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(out, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const { path, layer } of layerFiles)
    copyFileSync(path, join(out, 'blobs', 'sha256', layer.digest.slice('sha256:'.length)));
  const layers = layerFiles.map((f) => f.layer);
  const manifests = (Object.keys(programs) as Program[]).map((program) => {
    const config = putBlob(
      out,
      Buffer.from(JSON.stringify(imageConfig(program, layers, build))),
      mediaTypes.config,
    );
    const manifest = {
      schemaVersion: 2,
      mediaType: mediaTypes.manifest,
      config,
      layers: layers.map((l) => ({ mediaType: mediaTypes.layer, digest: l.digest, size: l.size })),
    };
    return {
      ...putBlob(out, Buffer.from(JSON.stringify(manifest)), mediaTypes.manifest),
      platform: { architecture: build.architecture, os: 'linux' },
      annotations: { 'org.opencontainers.image.ref.name': program },
    };
  });
  writeFileSync(
    join(out, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.index, manifests }),
  );
  return manifests;
}

function main(argv: string[]) {
  const [tsv, out] = argv;
  if (!tsv || !out) throw new Error('usage: tsx hack/images/layout.ts LAYERS_TSV OUT_DIR');
  const layerFiles = readFileSync(tsv, 'utf8')
    .trim()
    .split('\n')
    .map((row) => {
      const [path, diffId, createdBy] = row.split('\t') as [string, string, string];
      const digest = sha256(readFileSync(path));
      return { path, layer: { digest, size: statSync(path).size, diffId, createdBy } };
    });
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const build: BuildInfo = {
    version: pkg.version,
    revision: process.env.TAGPILOT_REVISION ?? 'unknown',
    architecture: process.env.TAGPILOT_ARCH ?? 'amd64',
  };
  for (const m of writeLayout(out, layerFiles, build))
    process.stdout.write(`${m.annotations['org.opencontainers.image.ref.name']}\t${m.digest}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
