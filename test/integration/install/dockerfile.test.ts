// The Dockerfile is linted (dockerfile-utils, the validator behind VS Code's Dockerfile support) and
// checked against the image rules: multi-stage, pinned bases, non-root numeric USER, no ADD, no
// HEALTHCHECK, exec-form entrypoints that run the compiled programs; and kept equal to what `make images`
// builds without a daemon (hack/images/layout.ts, .node-version), which test/e2e/images.test.ts runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { programs, runtime } from '../../../hack/images/layout.js';
import { contextCopySources, dockerfileViolations, parseInstructions, stages } from './dockerfile-policy.js';
import { repoRoot } from './render.js';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const TARGETS = { operator: 'dist/operator/main.js', controller: 'dist/controller/main.js' };

describe('Dockerfile', () => {
  it('has no lint errors or warnings', () => {
    const diagnostics = validate(dockerfile, {
      deprecatedMaintainer: 1,
      instructionCasing: 1,
      emptyContinuationLine: 1,
    });
    expect(diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('keeps the image rules', () => {
    expect(dockerfileViolations(dockerfile, { targets: TARGETS })).toEqual([]);
  });

  it('runs programs the build produces: each entrypoint has a TypeScript source that tsconfig.build.json compiles', () => {
    const build = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    for (const entry of Object.values(TARGETS)) {
      const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(join(repoRoot, source)), `${source} exists`).toBe(true);
      expect(build.include).toContain(source.split('/')[0]);
    }
  });

  it('copies only paths that exist and that .dockerignore lets into the context', () => {
    const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    for (const src of contextCopySources(dockerfile)) {
      expect(existsSync(join(repoRoot, src)), `${src} exists`).toBe(true);
      expect(ignore, `.dockerignore allows ${src}`).toContain(src.replace(/^\.\//, '').replace(/\/$/, ''));
    }
  });

  it('builds what make images builds: Node.js version, user, environment, entrypoints and labels', () => {
    const instructions = parseInstructions(dockerfile);
    const { args, stages: list } = stages(instructions);
    expect(args.NODE_VERSION).toBe(readFileSync(join(repoRoot, '.node-version'), 'utf8').trim());
    const runtimeStage = list.find((s) => s.name === 'runtime')!;
    const of = (keyword: string, stage = runtimeStage) =>
      stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
    expect(runtimeStage.base).toBe('scratch');
    expect(of('USER')).toEqual([runtime.user]);
    expect(of('WORKDIR')).toEqual([runtime.workingDir]);
    expect(of('ENV').join(' ').split(/\s+/)).toEqual([...runtime.env]);
    for (const [target, p] of Object.entries(programs)) {
      const stage = list.find((s) => s.name === target)!;
      expect(JSON.parse(of('ENTRYPOINT', stage)[0]!)).toEqual(p.entrypoint);
      expect(
        of('EXPOSE', stage)
          .join(' ')
          .split(' ')
          .map((port) => `${port}/tcp`),
      ).toEqual(p.ports);
      const labels = Object.fromEntries(
        [
          ...of('LABEL', stage)
            .join(' ')
            .matchAll(/(\S+)="([^"]*)"/g),
        ].map((m) => [m[1], m[2]]),
      );
      expect(labels).toEqual({
        'org.opencontainers.image.title': p.title,
        'org.opencontainers.image.description': p.description,
        'org.opencontainers.image.licenses': 'Apache-2.0',
      });
    }
  });

  // Each rule must be able to fail.
  const good = dockerfile;
  it.each<[string, string, RegExp]>([
    [
      'one stage',
      'FROM node:24.21.0-trixie-slim AS operator\nUSER 1000\nENTRYPOINT ["node", "dist/operator/main.js"]\n',
      /multi-stage/,
    ],
    ['an unpinned base', good.replace(/^FROM debian:\S+ AS base$/m, 'FROM debian AS base'), /not pinned/],
    ['a latest base', good.replace(/^FROM debian:\S+ AS base$/m, 'FROM debian:latest AS base'), /not pinned/],
    ['no USER', good.replace(/^USER .*$/m, ''), /runs as root/],
    ['a named USER', good.replace(/^USER .*$/m, 'USER nonroot'), /not numeric/],
    ['root', good.replace(/^USER .*$/m, 'USER 0:0'), /USER 0 is root/],
    ['ADD of a URL', `${good}\nADD https://example.com/x.tgz /x\n`, /ADD/],
    ['a HEALTHCHECK', `${good}\nHEALTHCHECK CMD wget -q localhost:8080/healthz\n`, /HEALTHCHECK/],
    [
      'a shell-form entrypoint',
      good.replace(
        /ENTRYPOINT \["\/nodejs\/bin\/node",[^\]]* "dist\/controller\/main.js"\]/,
        'ENTRYPOINT node dist/controller/main.js',
      ),
      /exec form/,
    ],
    ['a RUN in the runtime stage', good.replace(/^USER (.*)$/m, 'USER $1\nRUN rm -rf /tmp/x'), /RUN at line/],
    ['a missing target', good.replace(/AS controller/, 'AS ctl'), /no build target "controller"/],
  ])('rejects %s', (_name, text, problem) => {
    expect(dockerfileViolations(text, { targets: TARGETS }).join('\n')).toMatch(problem);
  });
});
