import { describe, expect, it } from 'vitest';
import { scrub } from './redact.js';

describe('scrub', () => {
  it.each([
    ['token abc123 rejected', ['abc123'], 'token [redacted] rejected'],
    [
      'POST https://hooks.slack.com/services/T/B/x failed',
      ['https://hooks.slack.com/services/T/B/x'],
      'POST [redacted] failed',
    ],
    ['to hooks.slack.com/services/T/B/x', ['https://hooks.slack.com/services/T/B/x'], 'to [redacted]'],
    ['longest first: abcdef', ['abc', 'abcdef'], 'longest first: [redacted]'],
    ['too short to scrub: ok', ['ok'], 'too short to scrub: ok'],
    ['nothing to do', [], 'nothing to do'],
  ])('%s', (message, sensitive, expected) => {
    expect(scrub(message, sensitive)).toBe(expected);
  });
});
