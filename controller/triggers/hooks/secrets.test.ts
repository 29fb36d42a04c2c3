import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { enabledSources, hookSecretsProvider, loadHookSecrets, secretsFor } from './secrets.js';

const dirs: string[] = [];
/** A directory laid out like a mounted Kubernetes Secret: keys are symlinks into ..data/. */
function mountedSecret(keys: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-hook-secrets-'));
  dirs.push(dir);
  const data = join(dir, '..2025_01_01_00_00_00.000000000');
  mkdirSync(data);
  symlinkSync(data, join(dir, '..data'));
  for (const [key, value] of Object.entries(keys)) {
    writeFileSync(join(data, key), value);
    symlinkSync(join('..data', key), join(dir, key));
  }
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  vi.useRealTimers();
});

describe('hook secrets', () => {
  it('reads the default and per-source secrets from the environment', () => {
    const secrets = loadHookSecrets({
      env: {
        TAGPILOT_HOOK_SECRET: 'shared',
        TAGPILOT_HOOK_SECRET_GITHUB: 'gh',
        TAGPILOT_HOOK_SECRET_QUAY: '  ',
      },
    });
    expect(secrets).toEqual({ default: ['shared'], github: ['gh'] });
    expect(secretsFor(secrets, 'github')).toEqual(['gh']);
    expect(secretsFor(secrets, 'quay')).toEqual(['shared']);
    expect(enabledSources(secrets)).toEqual([
      'generic',
      'dockerhub',
      'github',
      'harbor',
      'quay',
      'distribution',
    ]);
  });

  it('reads a mounted Secret, which wins over the environment, one secret per line', () => {
    const dir = mountedSecret({
      default: 'from-file\n',
      harbor: 'old-one\r\nnew-one\n\n',
      'not-a-source': 'x',
    });
    const secrets = loadHookSecrets({
      env: { TAGPILOT_HOOK_SECRET: 'from-env', TAGPILOT_HOOK_SECRETS_DIR: dir },
    });
    expect(secrets).toEqual({ default: ['from-file'], harbor: ['old-one', 'new-one'] });
  });

  it('leaves every receiver disabled when nothing is configured', () => {
    const secrets = loadHookSecrets({ env: {} });
    expect(secrets).toEqual({});
    expect(enabledSources(secrets)).toEqual([]);
    expect(enabledSources({ distribution: ['x'] })).toEqual(['distribution']);
  });

  it('fails loudly when the configured directory cannot be read', () => {
    expect(() => loadHookSecrets({ dir: '/nonexistent/tagpilot-hooks', env: {} })).toThrow(
      /cannot read the hook secrets directory \/nonexistent\/tagpilot-hooks/,
    );
  });

  it('picks up a rotated Secret after reloadMs, and keeps the last good one when a re-read fails', () => {
    vi.useFakeTimers();
    const dir = mountedSecret({ generic: 'first' });
    const get = hookSecretsProvider({ dir, env: {}, reloadMs: 30_000 });
    expect(get().generic).toEqual(['first']);
    writeFileSync(join(dir, '..data', 'generic'), 'second');
    expect(get().generic).toEqual(['first']);
    vi.advanceTimersByTime(30_000);
    expect(get().generic).toEqual(['second']);
    rmSync(dir, { recursive: true });
    vi.advanceTimersByTime(30_000);
    expect(get().generic).toEqual(['second']);
  });
});
