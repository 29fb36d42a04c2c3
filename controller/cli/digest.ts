// `tagpilot digest REF[:TAG] [--platform os/arch]`: the digest the controller would record for a tag —
// the tag's own digest (the index, for multi-platform images), or one platform's image digest.
import { parseImageReference, parsePlatform } from '../registry/index.js';
import {
  accessFromFlags,
  cliRegistryClient,
  registryFlagOptions,
  registryFlagsUsage,
} from './registry-flags.js';
import { digestJson, outputFlagOptions, outputFlagUsage, outputFormat, writeJson } from './output.js';
import { runRefCommand } from './ref-command.js';

const USAGE = `usage: tagpilot digest REF[:TAG] [--platform os/arch[/variant]] [options]

Prints the digest of REF (tag "latest" when REF has neither tag nor digest), found with a HEAD request.
With --platform, prints the digest of that platform's image from the tag's index (for a
single-platform image: its own digest, after checking its platform). Exits 0 on success, 1 when the
registry cannot tell (not found, auth, network), 2 on bad input; errors are one line on stderr.

  --platform P           os/architecture[/variant], e.g. linux/arm64 or linux/arm/v7
${registryFlagsUsage}
${outputFlagUsage}
  -h, --help             this help`;

const options = {
  platform: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...outputFlagOptions,
  ...registryFlagOptions,
} as const;

export function run(argv: string[]): Promise<number> {
  return runRefCommand('digest', USAGE, argv, options, async (values, input) => {
    const client = cliRegistryClient();
    try {
      const format = outputFormat(values.output);
      const ref = parseImageReference(input);
      const platform = values.platform === undefined ? undefined : parsePlatform(values.platform);
      const access = await accessFromFlags(ref, values);
      const digest = await client.getDigest(ref, undefined, access, platform ? { platform } : {});
      if (format === 'json') writeJson(digestJson(ref, digest, platform));
      else process.stdout.write(`${digest}\n`);
      return 0;
    } finally {
      await client.close();
    }
  });
}
