import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  ChecksumType,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { isDirectBody, type ByteSink } from '../../ports/object-store.js';
import { crc32Combine } from './crc32-combine.js';

/**
 * How the store is shown to hold exactly the bytes sent:
 * - `crc32` (AWS): every part goes with its CRC32 and the completion with the whole object's
 *   (S3's FULL_OBJECT checksum type); S3 refuses a part or an object that arrived different, and
 *   answers the object's CRC32 it computed. CRC32 is computed natively (zlib), about 6x faster
 *   than MD5 here, and once per byte: the object's CRC is combined from the parts'.
 * - `md5` (S3-compatible servers, which may know no CRC): each part goes with its Content-MD5,
 *   and S3's ETags (each part's MD5, the object's multipart form over them) are compared.
 */
export type PartChecksum = 'crc32' | 'md5';

export interface MultipartUploadOptions {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  /** Bytes per part (S3: at least 5 MiB, at most 10,000 parts). */
  readonly partSize: number;
  /** Parts in flight at once; one more buffer is filled meanwhile. */
  readonly queueSize: number;
  readonly signal?: AbortSignal;
  /** Default: `crc32` when the client computes checksums where supported (the AWS default), else `md5`. */
  readonly checksum?: PartChecksum;
}

export interface MultipartUploadResult {
  readonly size: number;
  /**
   * True when the server's own digests show it stored exactly the bytes sent: with `crc32`, S3
   * answered the whole object's CRC32 (FULL_OBJECT) equal to the one computed while streaming; with
   * `md5`, every part's ETag is the MD5 of that part and the object's ETag is S3's multipart form
   * over them (the body's MD5 for a single PUT). False when the server says nothing checkable
   * (SSE-KMS ETags, some S3-compatible servers): then only a read-back can tell.
   */
  readonly storeChecked: boolean;
}

interface SealedPart {
  readonly buffer: Buffer;
  readonly length: number;
  readonly number: number;
  /** The part's MD5 (16 bytes) or CRC32 (the number). */
  readonly md5?: Buffer;
  readonly crc?: number;
}

/**
 * Streams a body of unknown length into one S3 multipart upload through a fixed set of
 * part buffers (queueSize + 1, allocated once and reused), so memory is the same for a 1 GB
 * and a 100 GB body and no per-part garbage waits for the collector. (lib-storage's Upload
 * concatenates every part into a fresh buffer: the process's peak then moves with GC timing.)
 * A DirectBody (pg_dump's stdout) reads straight into the part buffers; any other Readable is
 * copied in chunk by chunk. Reading stops while every buffer is in flight, which is the
 * backpressure on the producer. Any failure aborts the upload, so the key never holds a partial
 * object.
 */
export async function multipartUpload(client: S3Client, body: Readable, options: MultipartUploadOptions): Promise<MultipartUploadResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  const checksum = options.checksum ?? ((await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED' ? 'crc32' : 'md5');
  const parts = new PartPipeline(client, options, checksum);
  const stopped = whenAborted(signal);
  try {
    if (isDirectBody(body)) {
      // A part refused or the signal ends the wait at once; the body is then destroyed below.
      await Promise.race([body.deliverTo(parts), parts.failed, stopped.promise]);
    } else {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        for (let offset = 0; offset < chunk.length; ) {
          let space = parts.space();
          if (!space) {
            await Promise.race([parts.ready(), stopped.promise]);
            space = parts.space()!;
          }
          const taken = chunk.copy(space, 0, offset);
          parts.wrote(taken);
          offset += taken;
        }
        parts.throwIfFailed();
        signal?.throwIfAborted();
      }
    }
    parts.throwIfFailed();
    signal?.throwIfAborted();
    return await parts.finish();
  } catch (error) {
    if (!body.destroyed) body.destroy();
    await parts.abort();
    throw error;
  } finally {
    stopped.dispose();
  }
}

/** A promise that rejects with the signal's reason once it fires (never resolves), and the listener's removal. */
function whenAborted(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
  let onAbort: () => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** The part buffers as a ByteSink: fills one, seals it into a part when full, sends at most queueSize at once. */
class PartPipeline implements ByteSink {
  private readonly free: Buffer[];
  private current: Buffer | undefined;
  private filled = 0;
  private partNumber = 0;
  private md5: Hash | undefined;
  private crc = 0;
  private readonly waiting: SealedPart[] = [];
  private inFlight = 0;
  private readonly completed: CompletedPart[] = [];
  /** By part number - 1: each part's MD5 (md5) or CRC and length (crc32). */
  private readonly partMd5s: Buffer[] = [];
  private readonly partCrcs: Array<{ crc: number; length: number }> = [];
  private partEtagsMatch = true;
  private uploadId: Promise<string> | undefined;
  private failure: { error: unknown } | undefined;
  private rejectFailed!: (error: unknown) => void;
  /** Rejects with the first failure of a part (never resolves). */
  readonly failed: Promise<never>;
  private waiters: Array<() => void> = [];
  size = 0;

  constructor(
    private readonly client: S3Client,
    private readonly options: MultipartUploadOptions,
    private readonly checksum: PartChecksum,
  ) {
    // queueSize + 1 buffers and at most queueSize parts in flight: one is filled meanwhile.
    this.free = Array.from({ length: options.queueSize + 1 }, () => Buffer.allocUnsafe(options.partSize));
    this.current = this.free.pop();
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => undefined);
    this.resetDigest();
  }

  space(): Buffer | undefined {
    return this.current?.subarray(this.filled);
  }

  wrote(n: number): void {
    const current = this.current!;
    // Digested as it fills, a read at a time: one 8 MiB digest at once would hold the event loop
    // long enough for pg_dump to block on a full pipe.
    const bytes = current.subarray(this.filled, this.filled + n);
    if (this.md5) this.md5.update(bytes);
    else this.crc = crc32(bytes, this.crc);
    this.filled += n;
    this.size += n;
    if (this.filled === this.options.partSize) this.seal();
  }

  async ready(): Promise<void> {
    while (!this.current && !this.failure) await new Promise<void>((r) => this.waiters.push(r));
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Sends what is left and completes the upload (a single PUT for a body smaller than one part). */
  async finish(): Promise<MultipartUploadResult> {
    if (this.partNumber === 0) return this.putSingle();
    if (this.filled > 0) this.seal();
    while (this.inFlight > 0 || (this.waiting.length > 0 && !this.failure)) await new Promise<void>((r) => this.waiters.push(r));
    this.throwIfFailed();
    this.options.signal?.throwIfAborted();
    const parts = [...this.completed].sort((a, b) => a.PartNumber! - b.PartNumber!);
    const { bucket, key, signal } = this.options;
    if (this.checksum === 'crc32') {
      const whole = crcBase64(this.partCrcs.reduce((acc, part) => crc32Combine(acc, part.crc, part.length), 0));
      const completed = await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: await this.uploadId,
          MultipartUpload: { Parts: parts },
          ChecksumCRC32: whole,
          ChecksumType: ChecksumType.FULL_OBJECT,
        }),
        { abortSignal: signal },
      );
      return { size: this.size, storeChecked: completed.ChecksumCRC32 === whole && completed.ChecksumType === ChecksumType.FULL_OBJECT };
    }
    const completed = await this.client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: await this.uploadId, MultipartUpload: { Parts: parts } }),
      { abortSignal: signal },
    );
    return { size: this.size, storeChecked: this.partEtagsMatch && unquote(completed.ETag) === multipartEtag(this.partMd5s) };
  }

  /** After a failure: waits for the parts in flight, then aborts the upload (best effort). */
  async abort(): Promise<void> {
    this.failure ??= { error: new Error('upload abandoned') };
    while (this.inFlight > 0) await new Promise<void>((r) => this.waiters.push(r));
    if (!this.uploadId) return;
    const uploadId = await this.uploadId.catch(() => undefined);
    if (!uploadId) return;
    // Best effort: the bucket's AbortIncompleteMultipartUpload rule removes what this cannot.
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: this.options.key, UploadId: uploadId }))
      .catch(() => undefined);
  }

  private resetDigest(): void {
    if (this.checksum === 'md5') this.md5 = createHash('md5');
    else this.crc = 0;
  }

  private seal(): void {
    const number = ++this.partNumber;
    const part: SealedPart = this.md5
      ? { buffer: this.current!, length: this.filled, number, md5: this.md5.digest() }
      : { buffer: this.current!, length: this.filled, number, crc: this.crc };
    if (part.md5) this.partMd5s[number - 1] = part.md5;
    else this.partCrcs[number - 1] = { crc: part.crc!, length: part.length };
    this.waiting.push(part);
    this.current = this.free.pop();
    this.filled = 0;
    this.resetDigest();
    this.uploadId ??= this.createUpload();
    this.pump();
  }

  private pump(): void {
    while (!this.failure && this.inFlight < this.options.queueSize && this.waiting.length > 0) {
      const part = this.waiting.shift()!;
      this.inFlight++;
      void this.send(part)
        .catch((error: unknown) => this.fail(error))
        .finally(() => {
          this.inFlight--;
          if (this.current) this.free.push(part.buffer);
          else {
            this.current = part.buffer;
            this.filled = 0;
          }
          this.pump();
          this.wake();
        });
    }
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.rejectFailed(error);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private async send(part: SealedPart): Promise<void> {
    const uploadId = await this.uploadId!;
    const command = new UploadPartCommand({
      Bucket: this.options.bucket,
      Key: this.options.key,
      UploadId: uploadId,
      PartNumber: part.number,
      Body: part.buffer.subarray(0, part.length),
      ContentLength: part.length,
      ...(part.md5 ? { ContentMD5: part.md5.toString('base64') } : { ChecksumCRC32: crcBase64(part.crc!) }),
    });
    command.middlewareStack.add(
      (next) => async (args) => {
        signWithoutPayload(args.request);
        return next(args);
      },
      { step: 'build', name: 'autopilotUnsignedPayload' },
    );
    const result = await this.client.send(command, { abortSignal: this.options.signal });
    if (part.md5) {
      if (unquote(result.ETag) !== part.md5.toString('hex')) this.partEtagsMatch = false;
      this.completed.push({ PartNumber: part.number, ETag: result.ETag });
    } else {
      this.completed.push({ PartNumber: part.number, ETag: result.ETag, ChecksumCRC32: crcBase64(part.crc!) });
    }
  }

  private async createUpload(): Promise<string> {
    const created = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.options.bucket,
        Key: this.options.key,
        ContentType: this.options.contentType,
        ...(this.checksum === 'crc32' ? { ChecksumAlgorithm: ChecksumAlgorithm.CRC32, ChecksumType: ChecksumType.FULL_OBJECT } : {}),
      }),
      { abortSignal: this.options.signal },
    );
    if (!created.UploadId) throw new Error(`CreateMultipartUpload for ${this.options.key} returned no UploadId`);
    return created.UploadId;
  }

  /** Smaller than one part: a single PUT, as S3 rejects a multipart upload of nothing. */
  private async putSingle(): Promise<MultipartUploadResult> {
    const body = this.current!.subarray(0, this.filled);
    const { bucket, key, contentType, signal } = this.options;
    // The same checksum as the parts would carry: MD5 where the endpoint needs it, else CRC32 (checked by S3, echoed back).
    const md5 = this.md5?.digest();
    const crc = md5 ? undefined : crcBase64(this.crc);
    const put = await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentLength: this.filled,
        ContentType: contentType,
        ...(md5 ? { ContentMD5: md5.toString('base64') } : { ChecksumCRC32: crc }),
      }),
      { abortSignal: signal },
    );
    const storeChecked = md5 ? unquote(put.ETag) === md5.toString('hex') : put.ChecksumCRC32 === crc;
    return { size: this.size, storeChecked };
  }
}

/** S3's spelling of a CRC32: its four bytes, big-endian, in base64. */
function crcBase64(crc: number): string {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(crc >>> 0);
  return bytes.toString('base64');
}

/** S3's ETag of a multipart object whose parts have these MD5s. */
function multipartEtag(partMd5s: readonly Buffer[]): string {
  return `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}`;
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

/**
 * SigV4 would otherwise hash every part's body with SHA-256 just to sign it: a second full pass
 * over the archive, on the CPU pg_dump needs. The part's integrity is already covered (its
 * CRC32 or Content-MD5, which S3 checks), so the signature leaves it out.
 */
function signWithoutPayload(request: unknown): void {
  const headers = (request as { headers?: Record<string, string> } | undefined)?.headers;
  if (headers) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
}
