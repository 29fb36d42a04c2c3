import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKubeConfig } from './kube.js';

function kubeconfig(cluster: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kc-')), 'config');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
${cluster}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
users:
- name: u
  user: {token: abc}
`,
  );
  return file;
}

describe('loadKubeConfig', () => {
  it('refuses a plain-HTTP server without insecure-skip-tls-verify, saying what to change', () => {
    expect(() => loadKubeConfig({ kubeconfig: kubeconfig('    server: http://127.0.0.1:8080') })).toThrow(
      /cluster c has a plain-HTTP server \(http:\/\/127\.0\.0\.1:8080\).*insecure-skip-tls-verify: true/,
    );
  });

  it.each([
    ['https', '    server: https://127.0.0.1:6443'],
    [
      'http with insecure-skip-tls-verify',
      '    server: http://127.0.0.1:8080\n    insecure-skip-tls-verify: true',
    ],
  ])('accepts %s', (_, cluster) => {
    expect(loadKubeConfig({ kubeconfig: kubeconfig(cluster) }).getCurrentCluster()?.name).toBe('c');
  });
});
