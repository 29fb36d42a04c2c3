// `tagpilot digest REF[:TAG] [--platform os/arch]`: the digest the controller would record for a tag —
// the tag's own digest (the index, for multi-platform images), or one platform's image digest.
import { parseArgs } from 'node:util';
import { errorMessage } from '../../common/errors.js';
import { RegistryError, parseImageReference, parsePlatform } from '../registry/index.js';
import {
  accessFromFlags,
  cliRegistryClient,
  registryFlagOptions,
  registryFlagsUsage,
} from './registry-flags.js';

const USAGE = `usage: tagpilot digest REF[:TAG] [--platform os/arch[/variant]] [options]

Prints the digest of REF (tag "latest" when REF has neither tag nor digest), found with a HEAD request.
With --platform, prints the digest of that platform's image from the tag's index (for a
single-platform image: its own digest, after checking its platform). Exits 0 on success, 1 when the
registry cannot tell (not found, auth, network), 2 on bad input; errors are one line on stderr.

  --platform P           os/architecture[/variant], e.g. linux/arm64 or linux/arm/v7
${registryFlagsUsage}
  -h, --help             this help`;

const options = {
  platform: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...registryFlagOptions,
} as const;

function fail(message: string, code: number): number {
  process.stderr.write(`tagpilot digest: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return code;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    return fail(`${errorMessage(err)}; see tagpilot digest --help`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    return fail(
      `expected exactly one image reference, got ${positionals.length}; see tagpilot digest --help`,
      2,
    );
  }
  const client = cliRegistryClient();
  try {
    const ref = parseImageReference(positionals[0] ?? '');
    const platform = values.platform === undefined ? undefined : parsePlatform(values.platform);
    const access = await accessFromFlags(ref, values);
    const digest = await client.getDigest(ref, undefined, access, platform ? { platform } : {});
    process.stdout.write(`${digest}\n`);
    return 0;
  } catch (err) {
    if (err instanceof RegistryError) return fail(err.message, err.kind === 'bad-reference' ? 2 : 1);
    return fail(errorMessage(err), 2);
  } finally {
    await client.close();
  }
}
