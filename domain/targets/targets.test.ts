import { describe, expect, it } from 'vitest';
import type { ImageTarget } from '../../crds/index.js';
import { compileTargets, type TargetedWorkload } from './targets.js';

const web: TargetedWorkload = { kind: 'Deployment', name: 'web', labels: { app: 'web', tier: 'front' } };
const api: TargetedWorkload = { kind: 'Deployment', name: 'api', labels: { app: 'api' } };
const db: TargetedWorkload = { kind: 'StatefulSet', name: 'web', labels: { app: 'web', tier: 'db' } };

const cases: {
  name: string;
  targets: ImageTarget[] | undefined;
  w: TargetedWorkload;
  c: string;
  want: boolean;
}[] = [
  { name: 'no targets: everything', targets: undefined, w: api, c: 'x', want: true },
  { name: 'empty targets: everything', targets: [], w: api, c: 'x', want: true },
  { name: 'kind and name', targets: [{ kind: 'Deployment', name: 'web' }], w: web, c: 'app', want: true },
  { name: 'other name', targets: [{ kind: 'Deployment', name: 'web' }], w: api, c: 'app', want: false },
  {
    name: 'same name, other kind',
    targets: [{ kind: 'Deployment', name: 'web' }],
    w: db,
    c: 'app',
    want: false,
  },
  {
    name: 'listed container',
    targets: [{ kind: 'Deployment', name: 'web', containers: ['app'] }],
    w: web,
    c: 'app',
    want: true,
  },
  {
    name: 'unlisted container',
    targets: [{ kind: 'Deployment', name: 'web', containers: ['app'] }],
    w: web,
    c: 'sidecar',
    want: false,
  },
  { name: 'selector', targets: [{ selector: 'app=web' }], w: db, c: 'app', want: true },
  {
    name: 'selector and kind',
    targets: [{ selector: 'app=web', kind: 'Deployment' }],
    w: db,
    c: 'a',
    want: false,
  },
  { name: 'selector mismatch', targets: [{ selector: 'app=web,tier!=db' }], w: db, c: 'a', want: false },
  {
    name: 'no labels',
    targets: [{ selector: 'app' }],
    w: { kind: 'Deployment', name: 'n' },
    c: 'a',
    want: false,
  },
  {
    name: 'any target matches',
    targets: [
      { kind: 'Deployment', name: 'api' },
      { selector: 'tier in (front)', containers: ['app'] },
    ],
    w: web,
    c: 'app',
    want: true,
  },
  {
    name: 'unparsable selector matches nothing',
    targets: [{ selector: 'a b c' }],
    w: web,
    c: 'a',
    want: false,
  },
];

describe('compileTargets', () => {
  it.each(cases)('$name', ({ targets, w, c, want }) => {
    const t = compileTargets(targets);
    expect(t.container(w, c)).toBe(want);
    // A container match implies the workload matches.
    if (want) expect(t.workload(w)).toBe(true);
  });

  it('workload matches even when only some containers do', () => {
    const t = compileTargets([{ kind: 'Deployment', name: 'web', containers: ['app'] }]);
    expect(t.workload(web)).toBe(true);
    expect(t.workload(api)).toBe(false);
  });
});
