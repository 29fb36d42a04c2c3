import { describe, expect, it } from 'vitest';
import { REFRESH_ANNOTATION, refreshRemovalPatch, refreshRequested } from './refresh.js';

describe('refresh annotation', () => {
  const image = (annotations?: Record<string, string>) => ({ metadata: { name: 'web', annotations } });

  it.each([
    [undefined, false],
    [{}, false],
    [{ [REFRESH_ANNOTATION]: '' }, false],
    [{ [REFRESH_ANNOTATION]: '  ' }, false],
    [{ 'tagpilot.dev/other': 'now' }, false],
    [{ [REFRESH_ANNOTATION]: 'now' }, true],
    [{ [REFRESH_ANNOTATION]: '2025-01-01T00:00:00Z' }, true],
  ])('%j → %s', (annotations, expected) => {
    expect(refreshRequested(image(annotations))).toBe(expected);
  });

  it('is named tagpilot.dev/refresh', () => {
    expect(REFRESH_ANNOTATION).toBe('tagpilot.dev/refresh');
    expect(refreshRequested({})).toBe(false);
  });

  it('removes the annotation only while it still holds the value that was acted on', () => {
    expect(refreshRemovalPatch('now')).toEqual([
      { op: 'test', path: '/metadata/annotations/tagpilot.dev~1refresh', value: 'now' },
      { op: 'remove', path: '/metadata/annotations/tagpilot.dev~1refresh' },
    ]);
  });
});
