import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBuildInfo, versionLine } from './version.js';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
};

describe('build info', () => {
  it('in a source checkout: package.json version, no commit', () => {
    expect(readBuildInfo()).toEqual({ version: pkg.version });
  });

  it('in a build: dist/build-info.json wins over package.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'tagpilot-version-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ version: '9.9.9' }));
    mkdirSync(join(root, 'dist', 'common'), { recursive: true });
    writeFileSync(
      join(root, 'dist', 'build-info.json'),
      JSON.stringify({ version: '1.2.3', commit: 'abc123' }),
    );
    expect(readBuildInfo(join(root, 'dist', 'common'))).toEqual({ version: '1.2.3', commit: 'abc123' });
    expect(readBuildInfo(join(root, 'src'))).toEqual({ version: '9.9.9' });
  });

  it('prints program, version, commit and node', () => {
    expect(versionLine('tagpilot-operator', { version: '1.2.3', commit: 'abc123' })).toBe(
      `tagpilot-operator 1.2.3 (commit abc123, node ${process.version})`,
    );
    expect(versionLine('tagpilot', { version: '1.2.3' })).toMatch(/^tagpilot 1\.2\.3 \(commit unknown/);
  });
});
