import { describe, expect, it } from 'vitest';
import { RuleError } from './errors.js';
import { resolve } from './resolve.js';

function pick(type: string, current: string, tags: string[], allowPrerelease = false): string | undefined {
  const d = resolve({ rule: { type, allowPrerelease }, current, tags });
  return d.kind === 'change' ? d.tag : undefined;
}

describe('calver rules', () => {
  it.each([
    // type, current, tags, want
    ['calver-major', '2024.01.15', ['2024.12.01', '2025.02.03', '2023.12.31'], '2025.02.03'],
    ['calver-minor', '2024.01.15', ['2024.12.01', '2025.02.03'], '2024.12.01'],
    ['calver-patch', '2024.01.15', ['2024.01.20', '2024.02.01'], '2024.01.20'],
    ['calver-minor', '2024.1', ['2024.10', '2024.9', '2025.1'], '2024.10'],
    ['calver-patch', '2024.1.0', ['2024.1.3', '2024.2.0'], '2024.1.3'], // Home Assistant style
    ['calver-major', '22.04', ['24.04', '23.10', '2024.10'], '24.04'], // Ubuntu YY.MM; never to YYYY
    ['calver-minor', '22.04', ['22.10', '23.04'], '22.10'],
    ['calver-major', '2024', ['2025', '2025.01'], '2025'], // same precision
    ['calver-major', '2024.01', ['2024.02-alpine', '2024.03'], '2024.03'], // same variant
    ['calver-major', '2024.01-alpine', ['2024.02-alpine', '2024.03'], '2024.02-alpine'],
    ['calver-major', '2024.01.15', ['1.2.3', '10.13.1', '2024.13.01', 'latest'], undefined], // not dates
    ['calver-major', '2024.01', ['2024.02-rc1'], undefined], // pre-releases skipped
    ['calver-major', '2025.06', ['2024.12'], undefined], // never downgrade
  ])('%s from %s over %j -> %s', (type, current, tags, want) => {
    expect(pick(type, current, tags)).toBe(want);
  });

  it('takes pre-releases when allowed', () => {
    expect(pick('calver-major', '2024.01', ['2024.02-rc1'], true)).toBe('2024.02-rc1');
  });

  it.each(['1.2.3', '9.6', 'latest', '2024.13'])(
    'refuses a current tag %s that is not a calendar version',
    (current) => {
      expect(() => pick('calver-minor', current, ['2024.01'])).toThrow(RuleError);
      expect(() => pick('calver-minor', current, ['2024.01'])).toThrow(
        /^current: .* is not (a calendar version|a version tag)/,
      );
    },
  );
});
