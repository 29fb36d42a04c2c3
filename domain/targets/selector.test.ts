import { describe, expect, it } from 'vitest';
import { parseLabelSelector, SelectorError } from './selector.js';

const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };

describe('parseLabelSelector', () => {
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['tier in (front, back)', true],
    ['tier in (back)', false],
    ['tier notin (back)', true],
    ['missing notin (back)', true],
    ['missing in (back)', false],
    ['app=web,tier=front', true],
    ['app=web, tier=back', false],
    ['example.com/team=a', true],
    ['app=web,tier in (a,front),!gone', true],
  ])('%s → %s', (text, want) => {
    expect(parseLabelSelector(text)(labels)).toBe(want);
  });

  it.each([
    ['', /is empty/],
    ['app=web,', /empty requirement/],
    ['app = = web', /not a label requirement/],
    ['a b', /not a label requirement/],
    ['tier in (a b)', /not a label value/],
  ])('rejects %j', (text, message) => {
    expect(() => parseLabelSelector(text)).toThrow(SelectorError);
    expect(() => parseLabelSelector(text)).toThrow(message);
  });
});
