// `tagpilot tags REF`: every tag of REF's repository, one per line in the registry's order, through the
// same client (auth, pagination, retries) the controller uses.
import {
  cliRegistryClient,
  fetchTagsForCli,
  registryFlagOptions,
  registryFlagsUsage,
} from './registry-flags.js';
import { runRefCommand } from './ref-command.js';

const USAGE = `usage: tagpilot tags REF [options]

Prints every tag of REF's repository, one per line, in the order the registry lists them (all pages).
REF is [registry[:port]/]repository; a tag or digest in REF is ignored. Docker Hub names are
normalised (nginx = docker.io/library/nginx). Exits 0 on success, 1 when the registry cannot be
listed, 2 on bad input; errors are one line on stderr.

${registryFlagsUsage}
  -h, --help             this help`;

const options = { help: { type: 'boolean', short: 'h' }, ...registryFlagOptions } as const;

export function run(argv: string[]): Promise<number> {
  return runRefCommand('tags', USAGE, argv, options, async (values, ref) => {
    try {
      const tags = await fetchTagsForCli(ref, values);
      if (tags.length > 0) process.stdout.write(`${tags.join('\n')}\n`);
      return 0;
    } finally {
      await cliRegistryClient().close();
    }
  });
}
