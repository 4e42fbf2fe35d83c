import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export interface MultipartUploadOptions {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  /** Bytes per part (S3: at least 5 MiB, at most 10,000 parts). */
  readonly partSize: number;
  /** Parts in flight at once; one more buffer is filled meanwhile. */
  readonly queueSize: number;
  readonly signal?: AbortSignal;
}

export interface MultipartUploadResult {
  readonly size: number;
  /**
   * True when the server's own digests show it stored exactly the bytes sent: every part's ETag
   * is the MD5 of that part, and the object's ETag is S3's multipart form (the MD5 of the parts'
   * MD5s, then `-<parts>`) over them, or the body's MD5 for a single PUT. False when the server
   * says nothing checkable (SSE-KMS, some S3-compatible servers): then only a read-back can tell.
   */
  readonly storeChecked: boolean;
}

/**
 * Streams a body of unknown length into one S3 multipart upload through a fixed set of
 * part buffers (queueSize + 1, allocated once and reused), so memory is the same for a 1 GB
 * and a 100 GB body and no per-part garbage waits for the collector. (lib-storage's Upload
 * concatenates every part into a fresh buffer: the process's peak then moves with GC timing.)
 * Reading stops while every buffer is in flight, which is the backpressure on the producer.
 * Any failure aborts the upload, so the key never holds a partial object.
 */
export async function multipartUpload(client: S3Client, body: Readable, options: MultipartUploadOptions): Promise<MultipartUploadResult> {
  const { bucket, key, partSize, signal } = options;
  signal?.throwIfAborted();
  // queueSize + 1 buffers and at most queueSize parts in flight: the reader always has one to fill.
  const free: Buffer[] = Array.from({ length: options.queueSize + 1 }, () => Buffer.allocUnsafe(partSize));

  // With the AWS default (checksums when supported) S3 checks every part against a CRC32 the SDK
  // computes; S3-compatible test servers get none (see createS3Client).
  const withChecksum = (await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
  let uploadId: string | undefined;
  const parts: CompletedPart[] = [];
  // Each part's MD5, by part number: sent as Content-MD5 (S3 refuses a part that arrives
  // different) and compared with the ETags the server answers.
  const partMd5s: Buffer[] = [];
  let partEtagsMatch = true;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let size = 0;

  /** Sends a part once fewer than queueSize are in flight; its buffer is free again when it is done. */
  const send = async (buffer: Buffer, length: number, partNumber: number, md5: Buffer): Promise<void> => {
    partMd5s[partNumber - 1] = md5;
    while (inFlight.size >= options.queueSize) await Promise.race(inFlight);
    const command = new UploadPartCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      Body: buffer.subarray(0, length),
      ContentLength: length,
      ContentMD5: md5.toString('base64'),
    });
    command.middlewareStack.add(
      (next) => async (args) => {
        signWithoutPayload(args.request);
        return next(args);
      },
      { step: 'build', name: 'autopilotUnsignedPayload' },
    );
    const task: Promise<void> = client
      .send(command, { abortSignal: signal })
      .then((result) => {
        if (unquote(result.ETag) !== md5.toString('hex')) partEtagsMatch = false;
        parts.push({ PartNumber: partNumber, ETag: result.ETag, ...(result.ChecksumCRC32 ? { ChecksumCRC32: result.ChecksumCRC32 } : {}) });
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        inFlight.delete(task);
        free.push(buffer);
      });
    inFlight.add(task);
  };

  try {
    let buffer = free.pop()!;
    let filled = 0;
    let partNumber = 0;
    // Hashed chunk by chunk as it fills: one 8 MiB digest at once would hold the event loop
    // long enough for pg_dump to block on a full pipe.
    let partHash = createHash('md5');
    for await (const chunk of body as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const taken = chunk.copy(buffer, filled, offset, Math.min(chunk.length, offset + partSize - filled));
        partHash.update(buffer.subarray(filled, filled + taken));
        offset += taken;
        filled += taken;
        size += taken;
        if (filled < partSize) continue;
        if (failure) throw failure;
        signal?.throwIfAborted();
        uploadId ??= await createUpload(client, options, withChecksum);
        await send(buffer, filled, ++partNumber, partHash.digest());
        buffer = free.pop()!;
        filled = 0;
        partHash = createHash('md5');
      }
    }
    if (partNumber === 0) {
      // Smaller than one part: a single PUT, as S3 rejects a multipart upload of nothing.
      const md5 = partHash.digest();
      const put = await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: buffer.subarray(0, filled),
          ContentLength: filled,
          ContentType: options.contentType,
          ContentMD5: md5.toString('base64'),
        }),
        { abortSignal: signal },
      );
      return { size, storeChecked: unquote(put.ETag) === md5.toString('hex') };
    }
    if (filled > 0) await send(buffer, filled, ++partNumber, partHash.digest());
    await Promise.all(inFlight);
    if (failure) throw failure;
    signal?.throwIfAborted();
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    const completed = await client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      { abortSignal: signal },
    );
    return { size, storeChecked: partEtagsMatch && unquote(completed.ETag) === multipartEtag(partMd5s) };
  } catch (error) {
    await Promise.all(inFlight);
    if (uploadId) {
      // Best effort: the bucket's AbortIncompleteMultipartUpload rule removes what this cannot.
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    }
    throw error;
  }
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
 * Content-MD5 and ETag, and on AWS the CRC32 S3 checks), so the signature leaves it out.
 */
function signWithoutPayload(request: unknown): void {
  const headers = (request as { headers?: Record<string, string> } | undefined)?.headers;
  if (headers) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
}

async function createUpload(client: S3Client, options: MultipartUploadOptions, withChecksum: boolean): Promise<string> {
  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: options.bucket,
      Key: options.key,
      ContentType: options.contentType,
      ...(withChecksum ? { ChecksumAlgorithm: ChecksumAlgorithm.CRC32 } : {}),
    }),
    { abortSignal: options.signal },
  );
  if (!created.UploadId) throw new Error(`CreateMultipartUpload for ${options.key} returned no UploadId`);
  return created.UploadId;
}
