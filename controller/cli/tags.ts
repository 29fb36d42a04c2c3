// `tagpilot tags REF`: every tag of REF's repository, one per line in the registry's order, through the
// same client (auth, pagination, retries) the controller uses.
import { parseArgs } from 'node:util';
import { errorMessage } from '../../common/errors.js';
import { RegistryError } from '../registry/index.js';
import {
  cliRegistryClient,
  fetchTagsForCli,
  registryFlagOptions,
  registryFlagsUsage,
} from './registry-flags.js';

const USAGE = `usage: tagpilot tags REF [options]

Prints every tag of REF's repository, one per line, in the order the registry lists them (all pages).
REF is [registry[:port]/]repository; a tag or digest in REF is ignored. Docker Hub names are
normalised (nginx = docker.io/library/nginx). Exits 0 on success, 1 when the registry cannot be
listed, 2 on bad input; errors are one line on stderr.

${registryFlagsUsage}
  -h, --help             this help`;

const options = { help: { type: 'boolean', short: 'h' }, ...registryFlagOptions } as const;

function fail(message: string, code: number): number {
  process.stderr.write(`tagpilot tags: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return code;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    return fail(`${errorMessage(err)}; see tagpilot tags --help`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    return fail(
      `expected exactly one image reference, got ${positionals.length}; see tagpilot tags --help`,
      2,
    );
  }
  try {
    const tags = await fetchTagsForCli(positionals[0] ?? '', values);
    if (tags.length > 0) process.stdout.write(`${tags.join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof RegistryError) return fail(err.message, err.kind === 'bad-reference' ? 2 : 1);
    // accessFromFlags rejects bad flag combinations and unreadable files with plain Errors.
    return fail(errorMessage(err), 2);
  } finally {
    await cliRegistryClient().close();
  }
}
