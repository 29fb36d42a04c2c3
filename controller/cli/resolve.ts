// `tagpilot resolve`: run one rule by hand against a tag list (a file or a live registry) to see what the
// controller would pick and why. stdout carries the chosen tag alone so scripts can use it; the
// reasoning (--explain) goes to stderr so `tag=$(tagpilot resolve … --explain)` still works.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../common/errors.js';
import { parseImageReference, parsePlatform, RegistryError } from '../registry/index.js';
import { formatDecision, resolve, RuleError, ruleTypes } from '../../domain/rules/index.js';
import type { ResolveInput } from '../../domain/rules/index.js';
import {
  accessFromFlags,
  cliRegistryClient,
  fetchTagsForCli,
  registryFlagOptions,
  registryFlagsUsage,
} from './registry-flags.js';
import { buildTimes } from '../engine/build-times.js';
import { fail as failCommand } from './fail.js';
import { outputFlagOptions, outputFlagUsage, outputFormat, resolveJson, writeJson } from './output.js';

const USAGE = `usage: tagpilot resolve --rule TYPE --current TAG (--tags-file FILE | --image REF) [options]

Picks the next tag after TAG with the controller's rule engine. Prints the chosen tag alone on stdout
and exits 0; prints nothing and exits 0 when no newer tag qualifies; exits 2 on bad input.

  --rule TYPE            ${ruleTypes.join(', ')}
  --current TAG          the tag running now (Image status.tag, or spec.baseTag)
  --tags-file FILE       tags, one per line ("-" reads stdin; blank lines and # comments are skipped)
  --image REF            list the tags of REF's repository from its registry instead
  --value V              the rule's value: semver range, regular expression, asc/desc
  --include RE           keep only tags matching RE (tagFilter.include)
  --exclude RE           drop tags matching RE; may be repeated (tagFilter.exclude)
  --allow-prerelease     let pre-releases win even when TAG is a release
  --current-digest D     digest rule: the digest recorded for TAG (omit for a first observation)
  --digest D             digest rule: the digest the registry reports for TAG now (with --image it
                         is asked from the registry when omitted)
  --created TAG=TIME     newest-build: the image build time (RFC 3339) of TAG; may be repeated (with
                         --image the times are read from the registry, as the controller does)
  --platform OS/ARCH     newest-build with --image: read the build time of this platform's image of
                         an index (default: the first entry), like spec.platforms[0]
  --explain              print the reasoning (filters, candidates, why the winner won) on stderr
${outputFlagUsage}
                         (the decision, its reason and the reasoning; printed also when nothing qualifies)
  -h, --help             this help

registry flags (with --image):
${registryFlagsUsage}

See docs/rules.md for every rule and default.`;

const options = {
  rule: { type: 'string' },
  current: { type: 'string' },
  'tags-file': { type: 'string' },
  image: { type: 'string' },
  value: { type: 'string' },
  include: { type: 'string' },
  exclude: { type: 'string', multiple: true },
  'allow-prerelease': { type: 'boolean' },
  'current-digest': { type: 'string' },
  digest: { type: 'string' },
  created: { type: 'string', multiple: true },
  platform: { type: 'string' },
  explain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...outputFlagOptions,
  ...registryFlagOptions,
} as const;

/** Bad input: exit code 2 with one stderr line. */
class UsageError extends Error {}

// The engine names fields as the Image spec does; on the command line the user typed flags.
function flagFor(field: string): string {
  if (field === 'rule.type') return '--rule';
  if (field === 'rule.value') return '--value';
  if (field === 'tagFilter.include') return '--include';
  if (field.startsWith('tagFilter.exclude')) return '--exclude';
  if (field === 'current') return '--current';
  if (field === 'digests') return '--digest';
  return field;
}

const fail = (message: string, code: number): number => failCommand('resolve', message, code);

async function readTagsFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    throw new UsageError(`--tags-file ${path}: cannot read the file (${code})`);
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function createdFromFlags(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`--created ${pair}: write TAG=TIME, e.g. main-7f3a9c1=2026-11-28T08:00:00Z`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, allowPositionals: false, strict: true }));
  } catch (err) {
    return fail(`${errorMessage(err).replace(/\.$/, '')}; run "tagpilot resolve --help"`, 2);
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }

  try {
    let format;
    try {
      format = outputFormat(values.output);
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
    if (values.rule === undefined)
      throw new UsageError(`--rule is required (one of ${ruleTypes.join(', ')})`);
    if (values.current === undefined) throw new UsageError('--current is required: the tag running now');
    const hasFile = values['tags-file'] !== undefined;
    const hasImage = values.image !== undefined;
    if (hasFile === hasImage) throw new UsageError('give exactly one of --tags-file FILE or --image REF');

    const input: ResolveInput = {
      rule: { type: values.rule, value: values.value, allowPrerelease: values['allow-prerelease'] === true },
      current: values.current,
      tags: [],
      filter: { include: values.include, exclude: values.exclude },
      currentDigest: values['current-digest'],
      digests: values.digest !== undefined ? { [values.current]: values.digest } : undefined,
    };
    if (input.rule.type === 'digest' && values.digest === undefined && !hasImage) {
      throw new UsageError(
        '--digest is required by the digest rule with --tags-file: the digest the registry reports for the tag',
      );
    }
    // Check the rule, filters and current tag before touching the network: bad input fails fast.
    resolve(input);

    const tags = hasFile
      ? await readTagsFile(values['tags-file']!)
      : await fetchTagsForCli(values.image!, values);
    if (input.rule.type === 'digest' && input.digests === undefined && tags.includes(values.current)) {
      // Same access as the listing; the digest a `docker pull` of the tag resolves to (index digest).
      const ref = parseImageReference(values.image!);
      const access = await accessFromFlags(ref, values);
      input.digests = { [values.current]: await cliRegistryClient().getDigest(ref, values.current, access) };
    }
    if (input.rule.type === 'newest-build') {
      if (hasImage) {
        const ref = parseImageReference(values.image!);
        const access = await accessFromFlags(ref, values);
        input.created = await buildTimes(cliRegistryClient(), {
          ref,
          access,
          tags,
          current: values.current,
          filter: input.filter,
          ...(values.platform !== undefined ? { platform: parsePlatform(values.platform) } : {}),
        });
      } else {
        input.created = createdFromFlags(values.created ?? []);
      }
    }
    const decision = resolve({ ...input, tags });

    if (values.explain) process.stderr.write(formatDecision(decision) + '\n');
    if (format === 'json') writeJson(resolveJson(decision));
    else if (decision.kind === 'change') process.stdout.write(decision.tag + '\n');
    return 0;
  } catch (err) {
    if (err instanceof RuleError) return fail(`${flagFor(err.field)}: ${err.detail}`, 2);
    if (err instanceof UsageError) return fail(err.message, 2);
    // The registry could not be asked (auth, network, not found…): not the user's typing, exit 1.
    // A malformed --image reference is typing, though.
    if (err instanceof RegistryError) return fail(err.message, err.kind === 'bad-reference' ? 2 : 1);
    // fetchTagsForCli throws plain Errors for bad registry flags (e.g. --password without --username).
    return fail(errorMessage(err), 2);
  } finally {
    if (values.image !== undefined) await cliRegistryClient().close();
  }
}
