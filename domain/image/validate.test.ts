import { describe, expect, it } from 'vitest';
import type { Image } from '../../crds/index.js';
import { imageErrors } from './validate.js';

function image(spec: Partial<Image['spec']> = {}): Image {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: {
      name: 'web',
      namespace: 'ns',
      uid: '0b0c',
      generation: 3,
      managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'tagpilot.dev/v1alpha1' }],
    },
    spec: {
      image: 'ghcr.io/acme/web',
      baseTag: 'v1.4.0',
      triggers: [{ type: 'crontab', value: '0 */6 * * *', timezone: 'Europe/Paris' }],
      rules: [{ name: 'minor', type: 'semver-minor', actions: [{ type: 'apply' }] }],
      ...spec,
    },
    status: { tag: 'v1.4.2', conditions: [] },
  };
}

const apply = [{ type: 'apply' as const }];

describe('imageErrors', () => {
  it('accepts a valid Image with metadata and status as the apiserver sends them', () => {
    expect(imageErrors(image())).toEqual([]);
  });

  const cases: { name: string; spec: Partial<Image['spec']>; field: string; message: RegExp }[] = [
    {
      name: 'target with a bad selector',
      spec: { targets: [{ kind: 'Deployment', name: 'web' }, { selector: 'app = = web' }] },
      field: 'spec.targets[1].selector',
      message: /not a label requirement; write key=value/,
    },
    {
      name: 'target with both name and selector',
      spec: { targets: [{ kind: 'Deployment', name: 'web', selector: 'app=web' }] },
      field: 'spec.targets[0]',
      message: /exactly one of name \(with kind\) or selector/,
    },
    {
      name: 'target with a name and no kind',
      spec: { targets: [{ name: 'web' }] },
      field: 'spec.targets[0].kind',
      message: /needs kind/,
    },
    {
      name: 'cron with a value out of range',
      spec: { triggers: [{ type: 'crontab', value: '61 * * * *' }] },
      field: 'spec.triggers[0].value',
      message: /schedule "61 \* \* \* \*": the minute field "61" is not valid.*0-59/,
    },
    {
      name: 'cron with 4 fields',
      spec: { triggers: [{ type: 'webhook' }, { type: 'crontab', value: '* * * *' }] },
      field: 'spec.triggers[1].value',
      message: /has 4 field\(s\); write 5 fields/,
    },
    {
      name: 'cron that never fires',
      spec: { triggers: [{ type: 'crontab', value: '0 0 30 2 *' }] },
      field: 'spec.triggers[0].value',
      message: /never occurs in the chosen month\(s\).*would never run/,
    },
    {
      name: 'unknown macro',
      spec: { triggers: [{ type: 'crontab', value: '@reboot' }] },
      field: 'spec.triggers[0].value',
      message: /unknown schedule macro "@reboot"/,
    },
    {
      name: '@every without a duration',
      spec: { triggers: [{ type: 'crontab', value: '@every soon' }] },
      field: 'spec.triggers[0].value',
      message: /duration "soon" is not valid; write whole numbers with units/,
    },
    {
      name: 'unknown time zone',
      spec: { triggers: [{ type: 'crontab', value: '@hourly', timezone: 'Mars/Olympus' }] },
      field: 'spec.triggers[0].timezone',
      message: /unknown time zone "Mars\/Olympus"/,
    },
    {
      name: 'regex rule that does not compile',
      spec: { rules: [{ type: 'regex', value: '^v(\\d+$', actions: apply }] },
      field: 'spec.rules[0].value',
      message: /invalid regular expression/,
    },
    {
      name: 'bad semver range',
      spec: {
        rules: [
          { type: 'semver-minor', actions: apply },
          { type: 'semver-range', value: '>=banana', actions: apply },
        ],
      },
      field: 'spec.rules[1].value',
      message: /invalid semver range ">=banana"/,
    },
    {
      name: 'tag filter include that does not compile',
      spec: { tagFilter: { include: '[a-' } },
      field: 'spec.tagFilter.include',
      message: /invalid regular expression/,
    },
    {
      name: 'tag filter exclude that does not compile',
      spec: { tagFilter: { exclude: ['\\.sig$', '(?<x'] } },
      field: 'spec.tagFilter.exclude[1]',
      message: /invalid regular expression/,
    },
    {
      name: 'regex rule with a backreference (RE2 cannot run it)',
      spec: { rules: [{ type: 'regex', value: '^(a)\\1$', actions: apply }] },
      field: 'spec.rules[0].value',
      message: /invalid escape sequence.*RE2 syntax: no backreferences or lookaround; see docs\/rules\.md/,
    },
    {
      name: 'tag filter exclude with a lookahead',
      spec: { tagFilter: { exclude: ['^(?!v)'] } },
      field: 'spec.tagFilter.exclude[0]',
      message: /unsupported Perl syntax.*RE2 syntax: no backreferences or lookaround/,
    },
    {
      name: 'tag filter include with a possessive quantifier',
      spec: { tagFilter: { include: 'a++' } },
      field: 'spec.tagFilter.include',
      message: /invalid nested repetition operator.*RE2 syntax/,
    },
    {
      name: 'regex rule whose program is too large',
      spec: { rules: [{ type: 'regex', value: '\\d{1,1000}', actions: apply }] },
      field: 'spec.rules[0].value',
      message: /compiles to \d+ RE2 instructions, more than the 1000 allowed/,
    },
    {
      name: 'image with upper case path (schema pattern)',
      spec: { image: 'ghcr.io/Acme/web' },
      field: 'spec.image',
      message: /./,
    },
    {
      name: 'image with a tag (CEL rule)',
      spec: { image: 'ghcr.io/acme/web:v1' },
      field: 'spec.image',
      message: /must not contain a tag/,
    },
    {
      name: 'image with a port out of range (reference syntax)',
      spec: { image: 'registry.local:99999/acme/web' },
      field: 'spec.image',
      message: /port 99999 is out of range/,
    },
    {
      name: 'update window with an unknown time zone',
      spec: { updateWindows: [{ schedule: '0 22 * * *', duration: '2h', timezone: 'Mars/Base' }] },
      field: 'spec.updateWindows[0].timezone',
      message: /unknown time zone "Mars\/Base"/,
    },
    {
      name: 'update window with @every',
      spec: { updateWindows: [{ schedule: '@every 1h', duration: '10m' }] },
      field: 'spec.updateWindows[0].schedule',
      message: /calendar times/,
    },
    {
      name: 'update window without a duration (schema)',
      spec: { updateWindows: [{ schedule: '0 22 * * *' } as never] },
      field: 'spec.updateWindows[0].duration',
      message: /Required value/,
    },
    {
      name: 'minTagAge that is not a duration (schema)',
      spec: { minTagAge: '1.5h' },
      field: 'spec.minTagAge',
      message: /./,
    },
    {
      name: 'regex rule without value (schema)',
      spec: { rules: [{ type: 'regex', actions: apply }] },
      field: 'spec.rules[0].value',
      message: /Required value/,
    },
  ];

  it.each(cases)('rejects $name naming $field', ({ spec, field, message }) => {
    const errors = imageErrors(image(spec));
    const error = errors.find((e) => e.field === field);
    expect(error, JSON.stringify(errors)).toBeDefined();
    expect(error!.message).toMatch(message);
  });

  it('accepts update windows and minTagAge', () => {
    const updateWindows = [
      { schedule: '0 22 * * 1-5', duration: '4h', timezone: 'Europe/Paris' },
      { schedule: '@daily', duration: '30m' },
    ];
    expect(imageErrors(image({ updateWindows, minTagAge: '1d12h' }))).toEqual([]);
  });

  it('accepts targets by name, by selector, with containers', () => {
    const targets = [
      { kind: 'Deployment' as const, name: 'web', containers: ['app', 'sidecar'] },
      { selector: 'app in (web,api),!legacy', kind: 'CronJob' as const },
    ];
    expect(imageErrors(image({ targets }))).toEqual([]);
  });

  it('reports one error per field', () => {
    const errors = imageErrors(image({ rules: [{ type: 'regex', actions: apply }] }));
    expect(errors.filter((e) => e.field === 'spec.rules[0].value')).toHaveLength(1);
  });

  it('accepts every schedule form the design lists', () => {
    for (const value of ['0 */6 * * *', '*/30 0 */6 * * *', '@hourly', '@every 10m', '@every 1h30m']) {
      expect(imageErrors(image({ triggers: [{ type: 'crontab', value, timezone: 'UTC' }] }))).toEqual([]);
    }
  });

  it('reports several fields at once', () => {
    const errors = imageErrors(
      image({
        triggers: [{ type: 'crontab', value: 'nope' }],
        rules: [{ type: 'semver-range', value: 'x.y.z.w', actions: apply }],
      }),
    );
    expect(errors.map((e) => e.field)).toEqual(['spec.triggers[0].value', 'spec.rules[0].value']);
  });
});
