import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { ObjectStore } from '../core/ports/object-store.js';
import { missingTables, readToc, TocReader, type ArchiveToc } from './archive-toc.js';
import type { ArchiveFormat } from '../core/layout.js';
import type { TableRef } from './pg-source.js';
import type { ToolInfo } from './pg-tools.js';

export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}

export interface Expected {
  readonly size: number;
  readonly sha256: string;
  /** Tables counted in the source before the dump; undefined when the source could not say. */
  readonly tables?: readonly TableRef[];
  /**
   * The store confirmed, from its own digests of what it received, that it holds exactly the
   * bytes streamed (see StreamedObject): the bytes then need no second reading.
   */
  readonly storeChecked?: boolean;
}

/** How the stored bytes were shown equal to the streamed ones. */
export type VerifiedBy = 'store-checksums' | 'read-back';

export interface VerifiedArchive {
  readonly toc?: ArchiveToc;
  readonly verifiedBy: VerifiedBy;
}

export interface VerifyOptions {
  /** Read the whole object back even when the store confirmed its bytes (config `verify: "read-back"`). */
  readonly readBack?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Checks the stored object as a restore would get it. Its bytes must be the ones streamed in:
 * either the store confirmed that from its own digests and the stored size matches, or the
 * object is read back whole and its byte count and SHA-256 must match. For a pg_dump archive,
 * `pg_restore --list` must parse the stored table of contents and find every expected table
 * (with its rows). A SQLite archive must gunzip whole (its CRC and length trailer) to a SQLite file.
 */
export async function verifyStoredArchive(
  store: ObjectStore,
  key: string,
  format: ArchiveFormat,
  expected: Expected,
  pgRestore: ToolInfo | undefined,
  options: VerifyOptions = {},
): Promise<VerifiedArchive> {
  const { signal } = options;
  if (format === 'pg_dump-custom' && expected.storeChecked && !options.readBack) {
    if (!pgRestore) throw new Error('pg_restore is needed to verify a pg_dump archive');
    const stored = await store.head(key);
    if (!stored) throw new VerificationError('the stored object is gone');
    if (stored.size !== expected.size)
      throw new VerificationError(`stored object has ${stored.size} bytes, ${expected.size} were streamed`);
    return { toc: checkTables(await readStoredToc(store, key, pgRestore, signal), expected), verifiedBy: 'store-checksums' };
  }
  const body = await store.getStream(key);
  const onAbort = () => body.destroy(new Error('verification aborted: out of time'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (format === 'pg_dump-custom') {
      if (!pgRestore) throw new Error('pg_restore is needed to verify a pg_dump archive');
      const reader = new TocReader(pgRestore);
      const hash = createHash('sha256');
      let size = 0;
      try {
        for await (const chunk of body) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
          await reader.write(chunk as Buffer);
        }
      } catch (error) {
        reader.abort();
        throw error;
      }
      checkDigest(size, hash.digest('hex'), expected);
      return { toc: checkTables(await finishToc(reader), expected), verifiedBy: 'read-back' };
    }
    const hash = createHash('sha256');
    let size = 0;
    let head = Buffer.alloc(0);
    const gunzip = createGunzip();
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(
        body,
        gunzip,
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
            done();
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof VerificationError) && (error as NodeJS.ErrnoException).code?.startsWith('Z_'))
        throw new VerificationError(`the archive does not gunzip: ${(error as Error).message}`);
      throw error;
    }
    checkDigest(size, hash.digest('hex'), expected);
    if (head.toString('latin1') !== 'SQLite format 3\0')
      throw new VerificationError('the archive does not hold a SQLite database (bad header)');
    return { verifiedBy: 'read-back' };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function checkDigest(size: number, sha256: string, expected: Expected): void {
  if (size !== expected.size) throw new VerificationError(`stored object has ${size} bytes, ${expected.size} were streamed`);
  if (sha256 !== expected.sha256)
    throw new VerificationError(`stored object's SHA-256 ${sha256} differs from the streamed ${expected.sha256}`);
}

/** The table of contents of the stored archive, from its head only. */
async function readStoredToc(store: ObjectStore, key: string, pgRestore: ToolInfo, signal?: AbortSignal): Promise<ArchiveToc> {
  const body = await store.getStream(key);
  const onAbort = () => body.destroy(new Error('verification aborted: out of time'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await readToc(pgRestore, body).catch((error: Error) => {
      throw body.errored ? error : new VerificationError(error.message);
    });
  } finally {
    body.destroy();
    signal?.removeEventListener('abort', onAbort);
  }
}

async function finishToc(reader: TocReader): Promise<ArchiveToc> {
  try {
    return await reader.finish();
  } catch (error) {
    throw new VerificationError((error as Error).message);
  }
}

function checkTables(toc: ArchiveToc, expected: Expected): ArchiveToc {
  if (expected.tables) {
    const missing = missingTables(toc, expected.tables);
    if (missing.length)
      throw new VerificationError(`the archive lacks ${missing.length} expected table(s): ${missing.slice(0, 10).join(', ')}`);
  }
  return toc;
}
