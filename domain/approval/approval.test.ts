import { describe, expect, it } from 'vitest';
import type { ImagePending } from '../../crds/index.js';
import { answerCommands, answerHint } from './annotations.js';
import { answersOf, judgeAnswer } from './answer.js';
import { approvalRequired, nextPending } from './pending.js';
import { annotationSetter, setterText } from './setter.js';

const T0 = '2026-11-28T10:00:00Z';
const T1 = '2026-11-28T11:00:00Z';
const waiting = (over: Partial<ImagePending> = {}): ImagePending => ({
  tag: '1.2.0',
  digest: 'sha256:' + 'a'.repeat(64),
  previousTag: '1.1.0',
  rule: 'minor',
  since: T0,
  ...over,
});

describe('approvalRequired', () => {
  it.each([
    [{}, false],
    [{ approval: {} }, false],
    [{ approval: { required: false } }, false],
    [{ approval: { required: true } }, true],
  ])('%j → %s', (spec, want) => {
    expect(approvalRequired(spec)).toBe(want);
  });
});

describe('nextPending', () => {
  const candidate = { tag: '1.2.0', digest: 'sha256:' + 'a'.repeat(64), previousTag: '1.1.0', rule: 'minor' };

  it('starts to wait when nothing waits', () => {
    expect(nextPending(undefined, candidate, T1)).toEqual({
      kind: 'new',
      pending: { ...candidate, since: T1 },
    });
  });

  it('keeps the waiting one (and its since) when the same candidate comes again', () => {
    expect(nextPending(waiting(), candidate, T1)).toEqual({ kind: 'same', pending: waiting() });
  });

  it.each([
    ['a newer tag', { tag: '1.3.0' }, '1.2.0 superseded by 1.3.0', ['1.2.0']],
    [
      'the same tag at a new digest',
      { digest: 'sha256:' + 'b'.repeat(64) },
      '1.2.0@sha256:aaaaaaaaaaaa superseded by 1.2.0@sha256:bbbbbbbbbbbb',
      undefined,
    ],
  ])('supersedes with %s', (_what, over, message, superseded) => {
    const step = nextPending(waiting(), { ...candidate, ...over }, T1);
    expect(step).toMatchObject({ kind: 'superseded', message, replaced: waiting() });
    expect(step.pending).toMatchObject({ ...candidate, ...over, since: T1 });
    expect(step.pending.superseded).toEqual(superseded);
  });

  it('keeps the superseded tags newest first, without the new one, at most 10', () => {
    const many = Array.from({ length: 12 }, (_, i) => `1.0.${i}`);
    const step = nextPending(waiting({ superseded: ['1.3.0', ...many] }), { ...candidate, tag: '1.3.0' }, T1);
    expect(step.pending.superseded).toEqual(['1.2.0', ...many.slice(0, 9)]);
  });
});

describe('answersOf', () => {
  it.each([
    [undefined, []],
    [{ other: 'x' }, []],
    [{ 'tagpilot.dev/approve': ' 1.2.0 ' }, [{ verb: 'approve', tag: '1.2.0' }]],
    [{ 'tagpilot.dev/reject': '1.2.0' }, [{ verb: 'reject', tag: '1.2.0' }]],
    [
      { 'tagpilot.dev/approve': '1.2.0', 'tagpilot.dev/reject': '1.2.0' },
      [
        { verb: 'reject', tag: '1.2.0' },
        { verb: 'approve', tag: '1.2.0' },
      ],
    ],
  ])('%j', (annotations, want) => {
    expect(answersOf(annotations).map(({ verb, tag }) => ({ verb, tag }))).toEqual(want);
  });
});

describe('judgeAnswer', () => {
  it.each([
    ['approve', '1.2.0', waiting(), { ok: true }],
    ['reject', '1.2.0', waiting(), { ok: true }],
    ['approve', '1.2.0', undefined, { ok: false, reason: 'NothingPending' }],
    ['approve', '', waiting(), { ok: false, reason: 'NoTag' }],
    ['approve', '1.1.5', waiting(), { ok: false, reason: 'OtherTag' }],
    ['approve', '1.1.5', waiting({ superseded: ['1.1.5'] }), { ok: false, reason: 'Superseded' }],
  ] as const)('%s %s', (verb, tag, pending, want) => {
    expect(judgeAnswer(verb, tag, pending)).toMatchObject(want);
  });

  it('says which tag waits and that nothing was done', () => {
    const other = judgeAnswer('approve', '1.1.5', waiting());
    expect(!other.ok && other.message).toBe(
      'approve 1.1.5: 1.2.0 waits for approval, not 1.1.5; nothing was done',
    );
    const old = judgeAnswer('approve', '1.1.5', waiting({ superseded: ['1.1.5'] }));
    expect(!old.ok && old.message).toMatch(/^approve 1\.1\.5: 1\.1\.5 was superseded by 1\.2\.0/);
  });
});

describe('commands', () => {
  it('names the Image, the namespace and the tag', () => {
    const web = { namespace: 'shop', name: 'web' };
    expect(answerCommands('approve', web, '1.2.0')).toEqual({
      kubectl: 'kubectl annotate image -n shop web tagpilot.dev/approve=1.2.0',
      cli: 'tagpilot approve web -n shop --tag 1.2.0',
    });
    expect(answerHint(web, '1.2.0')).toContain(
      'reject with "kubectl annotate image -n shop web tagpilot.dev/reject=1.2.0" or "tagpilot reject web -n shop --tag 1.2.0"',
    );
  });
});

describe('annotationSetter', () => {
  const own = (key: string) => ({ 'f:metadata': { 'f:annotations': { [`f:${key}`]: {} } } });
  it('finds the newest manager of the annotation', () => {
    const fields = [
      { manager: 'kubectl-client-side-apply', time: '2026-11-28T09:00:00Z', fieldsV1: { 'f:spec': {} } },
      { manager: 'tagpilot-cli', time: new Date(T0), fieldsV1: own('tagpilot.dev/approve') },
      { manager: 'kubectl-annotate', time: T1, fieldsV1: own('tagpilot.dev/approve') },
    ];
    const s = annotationSetter(fields, 'tagpilot.dev/approve');
    expect(s).toEqual({ manager: 'kubectl-annotate', time: T1 });
    expect(setterText(s)).toBe(`by kubectl-annotate at ${T1}`);
    expect(setterText(annotationSetter(fields, 'tagpilot.dev/reject'))).toBe('by an unknown client');
  });
});
