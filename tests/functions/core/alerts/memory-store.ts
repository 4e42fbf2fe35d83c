import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PreconditionFailedError } from '../../../../functions/core/errors.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject, StreamedObject } from '../../../../functions/core/ports/object-store.js';

/**
 * A tiny in-memory ObjectStore for the pure engine tests. It honours ifMatch/ifNoneMatch
 * and lets a test hold a get or a put open to force an interleaving of two writers.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly location = 'memory://';
  readonly objects = new Map<string, { body: Buffer; etag: string; lastModified: Date }>();
  preconditionFailures = 0;
  /** Awaited after a get has read its object and before it returns. */
  afterGet?: (key: string) => Promise<void>;

  async get(key: string): Promise<StoredObject | undefined> {
    const object = this.objects.get(key);
    const result = object && { body: Buffer.from(object.body), etag: object.etag };
    await this.afterGet?.(key);
    return result;
  }

  async put(key: string, body: string | Buffer, options: PutOptions = {}): Promise<{ etag: string }> {
    const current = this.objects.get(key);
    if ((options.ifNoneMatch === '*' && current) || (options.ifMatch !== undefined && current?.etag !== options.ifMatch)) {
      this.preconditionFailures++;
      throw new PreconditionFailedError(key);
    }
    const bytes = Buffer.from(body);
    const etag = `"${createHash('md5').update(bytes).update(String(Math.random())).digest('hex')}"`;
    this.objects.set(key, { body: bytes, etag, lastModified: new Date() });
    return { etag };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, o]) => ({ key, size: o.body.length, lastModified: o.lastModified }));
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async putStream(key: string, body: Readable): Promise<StreamedObject> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    await this.put(key, Buffer.concat(chunks));
    return { size: Buffer.concat(chunks).length, storeChecked: false };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = this.objects.get(key);
    return object && { key, size: object.body.length, lastModified: object.lastModified };
  }

  async getStream(key: string): Promise<Readable> {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no such key: ${key}`);
    return Readable.from([object.body]);
  }
}

/** Resolves every waiter once `parties` have arrived. */
export function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    arrived++;
    if (arrived >= parties) release();
    return all;
  };
}
