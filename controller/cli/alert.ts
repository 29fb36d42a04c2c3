// Placeholder until the alerts issue lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('tagpilot alert: not implemented yet\n');
  return 2;
}
