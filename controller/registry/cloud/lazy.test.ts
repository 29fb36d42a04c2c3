// The cloud SDKs weigh tens of MiB once loaded: only the per-cloud modules may import them, and only
// chain.ts may import those modules, dynamically, so a controller that meets no cloud registry never
// loads them.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SDKS = /from '(@aws-sdk\/[^']+|google-auth-library|@azure\/identity)'/;
const CLOUD_MODULES =
  /(?:import|from)\s*\(?\s*'[^']*cloud\/(?:aws|gcp|azure)\.js'|from '\.\/(?:aws|gcp|azure)\.js'/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

describe('cloud SDKs are loaded lazily', () => {
  const files = ['common', 'controller', 'operator', 'webhook', 'crds'].flatMap((d) =>
    sources(join(root, d)),
  );

  it('only controller/registry/cloud/{aws,gcp,azure}.ts import an SDK', () => {
    const importers = files.filter((f) => SDKS.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    expect(importers.sort()).toEqual([
      'controller/registry/cloud/aws.ts',
      'controller/registry/cloud/azure.ts',
      'controller/registry/cloud/gcp.ts',
    ]);
  });

  it('nothing imports those modules statically; chain.ts loads them with import()', () => {
    const static_ = files
      .filter((f) => CLOUD_MODULES.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(static_).toEqual([]);
    const chain = readFileSync(join(root, 'controller/registry/cloud/chain.ts'), 'utf8');
    expect(chain.match(/await import\('\.\/(aws|gcp|azure)\.js'\)/g)).toHaveLength(3);
  });
});
