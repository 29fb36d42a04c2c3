// Last line of defence for "no secret value in a log, event or status": messages built from peer
// responses (an SMTP server may echo the user name, a proxy the URL) are scrubbed of every value that
// was read from a `{value | valueFrom}` field before they leave the alerts module.

/** Values shorter than this are not scrubbed: replacing "a" or "ok" everywhere would garble messages. */
const MIN_SCRUB_LENGTH = 3;

export function scrub(message: string, sensitive: readonly string[]): string {
  let out = message;
  const values = [...new Set(sensitive)]
    .filter((v) => v.length >= MIN_SCRUB_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const v of values) {
    out = out.split(v).join('[redacted]');
    // Error texts often quote a URL without its scheme.
    const bare = v.replace(/^https?:\/\//, '');
    if (bare !== v && bare.length >= MIN_SCRUB_LENGTH) out = out.split(bare).join('[redacted]');
  }
  return out;
}
