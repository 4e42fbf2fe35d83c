import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { PreconditionFailedError } from '../../../../functions/core/errors.js';
import type { ObjectStore } from '../../../../functions/core/ports/object-store.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The behaviour every ObjectStore adapter must share; each adapter's test file runs it. */
export function objectStoreContract(fresh: () => Promise<ObjectStore>): void {
  it('reads back what it wrote, with a stable ETag, and lists by prefix', async () => {
    const s = await fresh();
    const { etag } = await s.put('state/a.json', '{"a":1}');
    const got = await s.get('state/a.json');
    expect(got?.body.toString()).toBe('{"a":1}');
    expect(got?.etag).toBe(etag);
    await s.put('backups/x/1.dump', Buffer.from('xy'));
    const listed = await s.list('state/');
    expect(listed.map((o) => o.key)).toEqual(['state/a.json']);
    expect(listed[0]!.size).toBe(7);
    expect(await s.get('state/missing.json')).toBeUndefined();
  });

  it('refuses a write whose If-Match no longer holds, and If-None-Match on an existing key', async () => {
    const s = await fresh();
    const first = await s.put('state/cas.json', 'v1', { ifNoneMatch: '*' });
    await expect(s.put('state/cas.json', 'v1b', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    const second = await s.put('state/cas.json', 'v2', { ifMatch: first.etag });
    await expect(s.put('state/cas.json', 'v3', { ifMatch: first.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await s.get('state/cas.json'))?.body.toString()).toBe('v2');
    expect(second.etag).not.toBe(first.etag);
  });

  it('lets exactly one of many concurrent conditional writers win', async () => {
    const s = await fresh();
    const { etag } = await s.put('state/race.json', 'start');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => s.put('state/race.json', `writer-${i}`, { ifMatch: etag })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
  });

  it('streams a body larger than one part and reads it back byte for byte', async () => {
    const s = await fresh();
    const body = randomBytes(9 * 1024 * 1024 + 123);
    const { size } = await s.putStream('backups/t/db/big.dump', Readable.from([body.subarray(0, 5_000_000), body.subarray(5_000_000)]));
    expect(size).toBe(body.length);
    const back = await readAll(await s.getStream('backups/t/db/big.dump'));
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('leaves nothing under the key when the streamed body fails midway', async () => {
    const s = await fresh();
    async function* failing() {
      yield randomBytes(1024 * 1024);
      throw new Error('pg_dump died');
    }
    await expect(s.putStream('backups/t/db/broken.dump', Readable.from(failing()))).rejects.toThrow(/pg_dump died/);
    expect((await s.list('backups/t/db/')).map((o) => o.key)).not.toContain('backups/t/db/broken.dump');
    expect(await s.get('backups/t/db/broken.dump')).toBeUndefined();
  });
}
