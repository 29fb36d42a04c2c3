// semver-major/minor/patch/range and calver-major/minor/patch: the version rules of docs/rules.md.
// All share one funnel: version tags only, same shape as the current tag, no pre-releases unless
// asked for, the rule's bound, newer than the current tag; the highest by version order wins.
import semver from 'semver';
import { calverOf, yearLike } from './calver.js';
import { compareRaw, compareVersion } from './compare.js';
import { decide } from './decision.js';
import { RuleError } from './errors.js';
import type { Funnel } from './funnel.js';
import { parseTag, sameShape, shapeOf, writtenNumbers } from './parse.js';
import type { ParsedTag } from './parse.js';
import type { Decision } from './types.js';
import type { CompiledRule, VersionRuleType } from './validate.js';

type VersionRule = Extract<CompiledRule, { type: VersionRuleType }>;

export const VERSION_ORDER =
  'version order: numbers part by part, then a release above its pre-releases (dev < alpha < beta < rc)';

function byVersion(a: ParsedTag, b: ParsedTag): number {
  return compareVersion(a, b) || compareRaw(a.tag, b.tag);
}

/** npm semver text for a parsed tag: `1.4` -> `1.4.0`, `17rc1` -> `17.0.0-rc.1`. */
function toSemver(v: ParsedTag): string {
  const [major, minor = 0, patch = 0] = v.nums;
  const pre = v.preChunks.length > 0 ? `-${v.preChunks.join('.')}` : '';
  return `${major}.${minor}.${patch}${pre}`;
}

function parseCurrent(rule: VersionRule, current: string, currentPath: string): ParsedTag {
  const v = parseTag(current);
  if (!v) {
    throw new RuleError(
      currentPath,
      `${JSON.stringify(current)} is not a version tag (optional v, 1-3 numbers, optional -suffix), so ${rule.type} ` +
        'cannot compare against it; start from a version tag, or use the regex or digest rule',
    );
  }
  if (rule.type.startsWith('calver-') && !calverOf(v)) {
    throw new RuleError(
      currentPath,
      `${JSON.stringify(current)} is not a calendar version (YYYY[.MM[.DD]] or YY.MM[.N]), so ${rule.type} ` +
        'cannot compare against it; use a semver rule for this tag',
    );
  }
  return v;
}

export function resolveVersionRule(
  rule: VersionRule,
  current: string,
  currentPath: string,
  total: number,
  start: Funnel<string>,
  digests: Readonly<Record<string, string>> | undefined,
): Decision {
  const cur = parseCurrent(rule, current, currentPath);
  const calver = rule.type.startsWith('calver-');
  const curYearWidth = calver ? calverOf(cur)?.yearWidth : undefined;
  const scope: string[] = [`with shape ${shapeOf(cur)}`];

  let f = start.keepMap(
    'not-a-version',
    calver ? 'calendar versions only (YYYY[.MM[.DD]] or YY.MM[.N])' : 'version tags only',
    (x) => {
      const v = parseTag(x);
      return v && (!calver || calverOf(v)) ? v : undefined;
    },
  );

  f = f.keep(
    'shape',
    `same shape as ${current} (${shapeOf(cur)}${calver ? `, ${curYearWidth}-digit year` : ''})`,
    (x) => sameShape(x, cur) && (!calver || calverOf(x)?.yearWidth === curYearWidth),
  );

  if (rule.allowPrerelease || cur.pre !== '') {
    f.note(
      'prerelease',
      rule.allowPrerelease ? 'pre-releases allowed by the rule' : `pre-releases allowed: ${current} is one`,
    );
  } else {
    f = f.keep('prerelease', 'releases only (pre-releases need allowPrerelease)', (x) => x.pre === '');
    scope.push('releases only');
  }

  const [n0, n1] = cur.nums;
  switch (rule.type) {
    case 'semver-major':
      // A project that moves to calendar versions (3.2 -> 2024.1) is a different stream, not an upgrade.
      if (!yearLike(cur)) {
        f = f.keep('bound', 'no calendar-year majors (1970-2999)', (x) => !yearLike(x));
      }
      break;
    case 'semver-minor':
    case 'calver-minor': {
      const what = rule.type === 'semver-minor' ? 'major' : 'year';
      const first = writtenNumbers(cur)[0];
      f = f.keep('bound', `same ${what} (${first})`, (x) => x.nums[0] === n0);
      scope.push(`${what} ${first}`);
      break;
    }
    case 'semver-patch':
    case 'calver-patch': {
      const what = rule.type === 'semver-patch' ? 'major.minor' : 'year.month';
      // A one-part tag (`18`, `2024`) has no minor: the bound is its only number.
      const prefix = writtenNumbers(cur).slice(0, 2).join('.');
      f = f.keep(
        'bound',
        `same ${what} (${prefix})`,
        (x) => x.nums[0] === n0 && (n1 === undefined || x.nums[1] === n1),
      );
      scope.push(`${what} ${prefix}`);
      break;
    }
    case 'semver-range': {
      const range = new semver.Range(rule.range, {
        includePrerelease: rule.allowPrerelease || cur.pre !== '',
      });
      f = f.keep('range', `satisfies ${rule.range}`, (x) => range.test(toSemver(x)));
      scope.push(`in ${rule.range}`);
      break;
    }
    case 'calver-major':
      break;
  }

  f = f.keep('not-newer', `newer than ${current}`, (x) => compareVersion(x, cur) > 0);

  return decide({
    rule: rule.type,
    current,
    total,
    funnel: f,
    compare: byVersion,
    order: VERSION_ORDER,
    scope: scope.join(', '),
    digests,
  });
}
