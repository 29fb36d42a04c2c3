// Reading a peer's HTTP response body with a hard size limit, enforced while the bytes arrive: a peer
// that streams without end (or announces 5 GB) costs at most `limit` bytes of memory and is cut off the
// moment it passes the limit. Content-Length is used only to refuse early; it is never trusted to be
// small, and decoded (decompressed) bytes are what is counted.

/** A body larger than the reader's limit; `announced` when Content-Length said so before any byte. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(
    readonly limit: number,
    readonly announced: number | undefined,
  ) {
    super(
      announced !== undefined
        ? `the response announced ${announced} bytes, more than the ${limit} allowed`
        : `the response passed the ${limit} bytes allowed`,
    );
  }
}

export interface BoundedBody {
  bytes: Uint8Array;
  /** The peer sent more than `limit` and only the first `limit` bytes were kept (mode `truncate`). */
  truncated: boolean;
}

/**
 * Reads at most `limit` bytes of a node:http response (or the stream decoding it). `error`: more than
 * that throws BodyTooLargeError (and a Content-Length above it throws before reading). `truncate`: keeps
 * the first `limit` bytes, for quoting an excerpt of an error page. Either way the rest is not read: the
 * stream is destroyed, which closes the connection. `announced` is its Content-Length, if any.
 */
export async function readBoundedStream(
  stream: AsyncIterable<Uint8Array> & { destroy(): void },
  announced: string | undefined,
  limit: number,
  mode: 'error' | 'truncate',
): Promise<BoundedBody> {
  const iterator = stream[Symbol.asyncIterator]();
  return readChunks(
    { announced: Number(announced ?? NaN), next: () => iterator.next(), stop: () => stream.destroy() },
    limit,
    mode,
  );
}

interface ChunkSource {
  /** Content-Length, NaN when absent. */
  announced: number;
  next(): Promise<IteratorResult<Uint8Array, unknown>>;
  /** Stops reading and closes the connection; must not wait for the peer. */
  stop(): void;
}

async function readChunks(
  source: ChunkSource,
  limit: number,
  mode: 'error' | 'truncate',
): Promise<BoundedBody> {
  if (mode === 'error' && Number.isFinite(source.announced) && source.announced > limit) {
    source.stop();
    throw new BodyTooLargeError(limit, source.announced);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await source.next();
      if (done) return { bytes: concat(chunks, total), truncated: false };
      const chunk = value as Uint8Array;
      if (total + chunk.byteLength > limit) {
        source.stop();
        if (mode === 'error') throw new BodyTooLargeError(limit, undefined);
        chunks.push(chunk.subarray(0, limit - total));
        return { bytes: concat(chunks, limit), truncated: true };
      }
      chunks.push(chunk);
      total += chunk.byteLength;
    }
  } catch (err) {
    source.stop();
    throw err;
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === total) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
