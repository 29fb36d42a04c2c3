// Writes test/fixtures/tags/*.txt: large, realistic tag lists for the rule engine's tests and benchmarks.
// Run: npx tsx hack/gen-tag-fixtures.ts   (output is deterministic; commit the files it writes)
//
// The lists are rebuilt from public knowledge of how the official Docker Hub images are tagged, as of
// about June 2025 (release lines, last patch of each line, variant names and when they appeared). They are
// not a capture: patch counts of intermediate minors are approximations. What matters for the tests is
// the *patterns* real users hit: floating tags (`20`, `20.11`), variants with embedded numbers
// (`alpine3.19`, `bookworm-slim`), aliases (`lts`, `mainline`), pre-releases glued to the number
// (`17rc1`, `18beta1`), and the exact newest versions listed in the tables below, which tests rely on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'tags');

/** [minor, last patch] for every minor of a release line. */
type Line = { major: number; minors: [number, number][] };

/** Minors 0..lastMinor; the last one ends at lastPatch, earlier ones at a stable pseudo-random 0..6. */
function line(major: number, lastMinor: number, lastPatch: number): Line {
  const minors: [number, number][] = [];
  for (let m = 0; m <= lastMinor; m++)
    minors.push([m, m === lastMinor ? lastPatch : (major * 7 + m * 3) % 7]);
  return { major, minors };
}

function versions(l: Line): string[] {
  const out: string[] = [];
  for (const [minor, last] of l.minors) for (let p = 0; p <= last; p++) out.push(`${l.major}.${minor}.${p}`);
  return out;
}

/** Deterministic hex for sha-like tags (mulberry32). */
function hexStream(seed: number): (len: number) => string {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (len) => {
    let s = '';
    for (let i = 0; i < len; i++) s += Math.floor(next() * 16).toString(16);
    return s;
  };
}

// ---------------------------------------------------------------------------------------------------------
// node: https://hub.docker.com/_/node. Newest per line: 18.20.8, 20.19.2, 22.16.0, 24.1.0, 23.11.1.
const NODE_LINES: Line[] = [
  line(4, 9, 1),
  line(6, 17, 1),
  line(8, 17, 0),
  line(10, 24, 1),
  line(12, 22, 12),
  line(14, 21, 3),
  line(16, 20, 2),
  line(17, 9, 1),
  line(18, 20, 8),
  line(19, 9, 0),
  line(20, 19, 2),
  line(21, 7, 3),
  line(22, 16, 0),
  line(23, 11, 1),
  line(24, 1, 0),
];
const NODE_CODENAMES: Record<number, string> = {
  4: 'argon',
  6: 'boron',
  8: 'carbon',
  10: 'dubnium',
  12: 'erbium',
  14: 'fermium',
  16: 'gallium',
  18: 'hydrogen',
  20: 'iron',
  22: 'jod',
};

/** Debian and Alpine variants a node major was published with. */
function nodeVariants(major: number): { all: string[]; alpineVersions: string[] } {
  if (major <= 8)
    return {
      all: ['', 'slim', 'alpine', 'onbuild', 'wheezy', 'jessie', 'stretch', 'stretch-slim'],
      alpineVersions: [],
    };
  if (major <= 14)
    return {
      all: ['', 'slim', 'alpine', 'stretch', 'stretch-slim', 'buster', 'buster-slim'],
      alpineVersions: ['alpine3.10', 'alpine3.11', 'alpine3.12', 'alpine3.13', 'alpine3.14', 'alpine3.15'],
    };
  if (major <= 19)
    return {
      all: [
        '',
        'slim',
        'alpine',
        'buster',
        'buster-slim',
        'bullseye',
        'bullseye-slim',
        'bookworm',
        'bookworm-slim',
      ],
      alpineVersions: [
        'alpine3.15',
        'alpine3.16',
        'alpine3.17',
        'alpine3.18',
        'alpine3.19',
        'alpine3.20',
        'alpine3.21',
      ],
    };
  return {
    all: ['', 'slim', 'alpine', 'bullseye', 'bullseye-slim', 'bookworm', 'bookworm-slim'],
    alpineVersions: ['alpine3.18', 'alpine3.19', 'alpine3.20', 'alpine3.21', 'alpine3.22'],
  };
}

function nodeTags(): string[] {
  const tags = new Set<string>();
  const add = (base: string, variant: string) => tags.add(variant ? `${base}-${variant}` : base);
  for (const l of NODE_LINES) {
    const { all, alpineVersions } = nodeVariants(l.major);
    const vs = versions(l);
    vs.forEach((v, i) => {
      for (const variant of all) add(v, variant);
      // Alpine point releases move over time: a version carries the two or three newest at its release.
      const window = Math.floor((i / vs.length) * (alpineVersions.length - 1));
      for (const a of alpineVersions.slice(Math.max(0, window - 1), window + 2)) add(v, a);
    });
    // Floating tags follow the newest release: `20.19`, `20`, with the variants it has now.
    const newestAlpines = alpineVersions.slice(-3);
    for (const [minor] of l.minors) for (const variant of all) add(`${l.major}.${minor}`, variant);
    for (const variant of [...all, ...newestAlpines]) {
      add(String(l.major), variant);
      add(`${l.major}.${l.minors.at(-1)![0]}`, variant);
      const codename = NODE_CODENAMES[l.major];
      if (codename) add(codename, variant);
    }
  }
  const aliasVariants = [
    '',
    'slim',
    'alpine',
    'bookworm',
    'bookworm-slim',
    'bullseye',
    'bullseye-slim',
    'alpine3.21',
    'alpine3.22',
  ];
  for (const variant of aliasVariants) {
    add('lts', variant);
    add('current', variant);
    tags.add(variant || 'latest'); // `alpine`, `slim`, … alone are the newest release's variants
  }
  // Windows builds exist for recent lines only.
  for (const v of ['20.19.2', '22.16.0', '24.1.0', '20', '22', '24']) {
    add(v, 'windowsservercore-ltsc2022');
    add(v, 'nanoserver-ltsc2022');
  }
  return [...tags];
}

// ---------------------------------------------------------------------------------------------------------
// nginx: https://hub.docker.com/_/nginx. Odd minors are mainline, even ones stable.
// Newest per line: 1.24.0, 1.25.5, 1.26.3, 1.27.5, 1.28.0 (stable), 1.29.0 (mainline).
const NGINX_LAST_PATCH: Record<number, number> = {
  9: 15,
  10: 3,
  11: 13,
  12: 2,
  13: 12,
  14: 2,
  15: 12,
  16: 1,
  17: 10,
  18: 0,
  19: 10,
  20: 2,
  21: 6,
  22: 1,
  23: 4,
  24: 0,
  25: 5,
  26: 3,
  27: 5,
  28: 0,
  29: 0,
};

function nginxVariants(minor: number): string[] {
  const v = ['', 'alpine', 'perl', 'alpine-perl'];
  if (minor >= 23) v.push('alpine-slim', 'bullseye', 'bullseye-perl');
  if (minor >= 25) v.push('bookworm', 'bookworm-perl', 'otel', 'alpine-otel', 'bookworm-otel');
  const alpines =
    minor >= 27
      ? ['alpine3.21', 'alpine3.22']
      : minor >= 25
        ? ['alpine3.18', 'alpine3.19', 'alpine3.20']
        : [];
  for (const a of alpines) v.push(a, `${a}-perl`, `${a}-slim`, `${a}-otel`);
  return v;
}

function nginxTags(): string[] {
  const tags = new Set<string>();
  const add = (base: string, variant: string) => tags.add(variant ? `${base}-${variant}` : base);
  for (const [minorText, last] of Object.entries(NGINX_LAST_PATCH)) {
    const minor = Number(minorText);
    const variants = nginxVariants(minor);
    for (let p = 0; p <= last; p++) for (const variant of variants) add(`1.${minor}.${p}`, variant);
    for (const variant of variants) add(`1.${minor}`, variant);
  }
  for (const variant of nginxVariants(29)) {
    add('1', variant);
    add('mainline', variant);
    add('stable', variant);
    add(variant || 'latest', '');
  }
  return [...tags];
}

// ---------------------------------------------------------------------------------------------------------
// postgres: https://hub.docker.com/_/postgres. Two-part versions from 10 on (`17.5`), three-part before
// (`9.6.24`); pre-releases glued to the major (`17rc1`, `18beta1`) with the same variants.
// Newest per line: 9.6.24, 13.21, 14.18, 15.13, 16.9, 17.5; 18beta1 is the newest pre-release.
const PG_OLD: [string, number][] = [
  ['9.3', 25],
  ['9.4', 26],
  ['9.5', 25],
  ['9.6', 24],
];
const PG_LAST_MINOR: Record<number, number> = {
  10: 23,
  11: 22,
  12: 22,
  13: 21,
  14: 18,
  15: 13,
  16: 9,
  17: 5,
};
const PG_PRERELEASES: Record<number, string[]> = {
  15: ['beta1', 'beta2', 'beta3', 'beta4', 'rc1', 'rc2'],
  16: ['beta1', 'beta2', 'beta3', 'rc1'],
  17: ['beta1', 'beta2', 'beta3', 'rc1'],
  18: ['beta1'],
};

function pgVariants(major: number): string[] {
  if (major < 12) return ['', 'alpine', 'stretch', 'buster', 'bullseye', 'alpine3.13', 'alpine3.14'];
  if (major < 15)
    return ['', 'alpine', 'bullseye', 'bookworm', 'alpine3.18', 'alpine3.19', 'alpine3.20', 'alpine3.21'];
  return ['', 'alpine', 'bullseye', 'bookworm', 'alpine3.19', 'alpine3.20', 'alpine3.21', 'alpine3.22'];
}

function postgresTags(): string[] {
  const tags = new Set<string>();
  const add = (base: string, variant: string) => tags.add(variant ? `${base}-${variant}` : base);
  for (const [mm, last] of PG_OLD) {
    const variants = ['', 'alpine', 'jessie', 'stretch', 'buster', 'bullseye'];
    for (let p = 0; p <= last; p++) for (const variant of variants) add(`${mm}.${p}`, variant);
    for (const variant of variants) add(mm, variant);
  }
  for (const [majorText, last] of Object.entries(PG_LAST_MINOR)) {
    const major = Number(majorText);
    const variants = pgVariants(major);
    for (let m = 0; m <= last; m++) for (const variant of variants) add(`${major}.${m}`, variant);
    for (const variant of variants) add(String(major), variant);
  }
  for (const [majorText, pres] of Object.entries(PG_PRERELEASES)) {
    for (const pre of pres)
      for (const variant of pgVariants(Number(majorText))) add(`${majorText}${pre}`, variant);
  }
  for (const variant of pgVariants(17)) add(variant || 'latest', '');
  return [...tags];
}

// ---------------------------------------------------------------------------------------------------------
// A typical CI-built app on GHCR: `v`-semver releases with rc pre-releases, `sha-<commit>` and bare commit
// tags, branch and PR tags, cosign signatures/attestations. Newest release: v3.4.2; newest rc: v3.5.0-rc.2.
function ghcrAppTags(): string[] {
  const tags = new Set<string>(['latest', 'main', 'develop', 'edge', 'nightly']);
  const hex = hexStream(42);
  const releases: [number, number, number][] = [
    [0, 9, 4],
    [1, 12, 3],
    [2, 8, 6],
    [3, 4, 2],
  ];
  for (const [major, lastMinor, lastPatch] of releases) {
    for (let m = 0; m <= lastMinor; m++) {
      const last = m === lastMinor ? lastPatch : (m * 5 + major) % 4;
      for (let p = 0; p <= last; p++) {
        tags.add(`v${major}.${m}.${p}`);
        if (p === 0) for (let rc = 1; rc <= 2; rc++) tags.add(`v${major}.${m}.0-rc.${rc}`);
      }
      tags.add(`v${major}.${m}`);
    }
    tags.add(`v${major}`);
  }
  tags.add('v3.5.0-rc.1');
  tags.add('v3.5.0-rc.2');
  for (let i = 0; i < 600; i++) {
    const commit = hex(40);
    tags.add(`sha-${commit.slice(0, 7)}`);
    if (i % 2 === 0) tags.add(commit.slice(0, 7));
    if (i % 3 === 0) {
      const digest = hex(64);
      tags.add(`sha256-${digest}.sig`);
      tags.add(`sha256-${digest}.att`);
    }
  }
  for (let pr = 1; pr <= 250; pr += 3) tags.add(`pr-${pr}`);
  for (let build = 1; build <= 180; build++) tags.add(`main-${build}`);
  return [...tags];
}

const fixtures: Record<string, string[]> = {
  node: nodeTags(),
  nginx: nginxTags(),
  postgres: postgresTags(),
  'ghcr-app': ghcrAppTags(),
};

mkdirSync(outDir, { recursive: true });
for (const [name, tags] of Object.entries(fixtures)) {
  // Registries list tags in text order; keep that so diffs of regenerated files stay readable.
  const sorted = [...tags].sort();
  writeFileSync(join(outDir, `${name}.txt`), sorted.join('\n') + '\n');
  console.log(`${name}: ${sorted.length} tags -> test/fixtures/tags/${name}.txt`);
}
