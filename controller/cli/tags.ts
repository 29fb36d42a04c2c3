// `tagpilot tags REF`: every tag of REF's repository, one per line in the registry's order, through the
// same client (auth, pagination, retries) the controller uses.
import {
  cliRegistryClient,
  fetchTagsForCli,
  registryFlagOptions,
  registryFlagsUsage,
} from './registry-flags.js';
import { outputFlagOptions, outputFlagUsage, outputFormat, tagsJson, writeJson } from './output.js';
import { runRefCommand } from './ref-command.js';
import { parseImageReference } from '../registry/index.js';

const USAGE = `usage: tagpilot tags REF [options]

Prints every tag of REF's repository, one per line, in the order the registry lists them (all pages).
REF is [registry[:port]/]repository; a tag or digest in REF is ignored. Docker Hub names are
normalised (nginx = docker.io/library/nginx). Exits 0 on success, 1 when the registry cannot be
listed, 2 on bad input; errors are one line on stderr.

${registryFlagsUsage}
${outputFlagUsage}
  -h, --help             this help`;

const options = {
  help: { type: 'boolean', short: 'h' },
  ...outputFlagOptions,
  ...registryFlagOptions,
} as const;

export function run(argv: string[]): Promise<number> {
  return runRefCommand('tags', USAGE, argv, options, async (values, ref) => {
    try {
      const format = outputFormat(values.output);
      const tags = await fetchTagsForCli(ref, values);
      if (format === 'json') writeJson(tagsJson(parseImageReference(ref), tags));
      else if (tags.length > 0) process.stdout.write(`${tags.join('\n')}\n`);
      return 0;
    } finally {
      await cliRegistryClient().close();
    }
  });
}
