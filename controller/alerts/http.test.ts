// Reading alert peers' answers against real local servers: an endless body costs at most the read
// limit, and an error answer is quoted as a short excerpt.
import { afterEach, describe, expect, it } from 'vitest';
import { startHostilePeer, type HostilePeer } from '../../test/testenv/hostile.js';
import { DeliveryError } from './errors.js';
import { RESPONSE_READ_LIMIT, postJSON } from './http.js';

const peers: HostilePeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function peer(status: number): Promise<HostilePeer> {
  const p = await startHostilePeer((req, res, { streamEndless }) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'text/plain' });
    streamEndless(res, 'invalid_payload ');
  });
  peers.push(p);
  return p;
}

const MiB = 1024 * 1024;

describe('postJSON against a peer that answers without end', () => {
  it('quotes 200 characters of an endless error answer and stops reading it', async () => {
    const p = await peer(500);
    const err = await postJSON({
      url: `http://${p.host}/hook`,
      body: '{}',
      headers: {},
      timeoutMs: 10_000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).message).toMatch(new RegExp(`^${p.host}: HTTP 500: invalid_payload a+…$`));
    expect((err as DeliveryError).message.length).toBeLessThan(260);
    expect(p.bytesSent.get('/hook') ?? 0).toBeLessThan(RESPONSE_READ_LIMIT + 8 * MiB);
  });

  it('takes a success whose body never ends as delivered, reading only the limit', async () => {
    const p = await peer(200);
    const res = await postJSON({ url: `http://${p.host}/hook`, body: '{}', headers: {}, timeoutMs: 10_000 });
    expect(res.status).toBe(200);
    expect(res.body.length).toBeLessThanOrEqual(RESPONSE_READ_LIMIT);
    expect(p.bytesSent.get('/hook') ?? 0).toBeLessThan(RESPONSE_READ_LIMIT + 8 * MiB);
  });
});
