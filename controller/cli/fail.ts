/**
 * Writes `tagpilot <command>: <message>` as one stderr line (a multi-line message is folded) and returns
 * `code`, the exit code: every CLI error is one line a script can show as it is.
 */
export function fail(command: string, message: string, code: number): number {
  process.stderr.write(`tagpilot ${command}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return code;
}
