// Error helpers shared by every program.

/** The message of anything thrown, without a stack: what goes on a CLI's stderr line or into a status. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
