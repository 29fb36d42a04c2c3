// Entry point of the `tagpilot` CLI: the controller's engine, run by hand to debug rules and registries.
// Each subcommand lives in its own file and exports `run(argv): Promise<number>` (the exit code).
import { errorMessage } from '../../common/errors.js';
import { versionLine } from '../../common/version.js';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  resolve: { summary: 'pick the next tag from a tag list with a rule', load: () => import('./resolve.js') },
  tags: { summary: 'list the tags of a repository', load: () => import('./tags.js') },
  digest: { summary: 'print the digest of REF[:TAG]', load: () => import('./digest.js') },
  alert: { summary: 'send a sample alert through an AlertConfig', load: () => import('./alert.js') },
  approve: { summary: 'approve the tag that waits on an Image', load: () => answering('approve') },
  reject: { summary: 'reject the tag that waits on an Image', load: () => answering('reject') },
  release: {
    summary: 'release workloads an Image holds after a rollback',
    load: () => import('./release.js'),
  },
};

/** approve and reject are one command with two verbs. */
async function answering(verb: 'approve' | 'reject') {
  const { run } = await import('./answer.js');
  return { run: (argv: string[]) => run(verb, argv) };
}

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'usage: tagpilot <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'tagpilot <command> --help shows the options of a command; tagpilot --version prints the version.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${versionLine('tagpilot')}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`tagpilot: unknown command "${name}"; run "tagpilot --help" for the list\n`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (err) {
    process.stderr.write(`tagpilot ${name}: ${errorMessage(err)}\n`);
    return 1;
  }
}
