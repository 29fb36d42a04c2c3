// Placeholder until the subcommand lands; see the issue that owns it.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('tagpilot tags: not implemented yet\n');
  return 2;
}
