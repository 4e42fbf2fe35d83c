import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { PreconditionFailedError, StoreFaultError } from '../../errors.js';
import type { ObjectInfo, ObjectStore, PreviousVersion, PutOptions, StoredObject, StreamedObject } from '../../ports/object-store.js';
import { createS3Client } from './s3-client.js';
import { multipartUpload } from './s3-multipart-upload.js';

/** Multipart part size: the upload holds partSize * (queueSize + 1) bytes, whatever the body's length. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404);
}

function isPreconditionFailure(error: unknown): boolean {
  const status = (error as S3ServiceException).$metadata?.httpStatusCode;
  // 412: the ETag no longer matches; 409: another conditional write to the key was in flight.
  return status === 412 || status === 409 || (error as Error).name === 'PreconditionFailed';
}

const S3_FAULTS: Readonly<Record<string, string>> = {
  AccessDenied: 'access denied',
  NoSuchBucket: 'no such bucket',
  InvalidAccessKeyId: 'unknown access key',
  SignatureDoesNotMatch: 'credentials refused',
  ECONNREFUSED: 'endpoint refused the connection',
  ECONNRESET: 'endpoint reset the connection',
  ENOTFOUND: 'endpoint host not found',
  ETIMEDOUT: 'endpoint timed out',
};

/**
 * Longest wait for one small-object call (a state document, a manifest, a listing page), retries included. The SDK
 * itself waits for ever on an endpoint that accepts the connection and never answers; S3 answers these in well
 * under a second. Streamed bodies (backups) are not bounded by it: they take as long as their size.
 */
export const S3_CALL_TIMEOUT_MS = 20_000;

/** A StoreFaultError for what retrying cannot mend (denied, no bucket, endpoint down or not S3), else the error. */
function s3Fault(error: unknown, bucket: string, doing: string, timeoutMs = S3_CALL_TIMEOUT_MS): unknown {
  if (error instanceof StoreFaultError || error instanceof PreconditionFailedError) return error;
  const fault = (reason: string, code: string) => new StoreFaultError(`store s3://${bucket}: ${reason} (${code}) ${doing}`, code);
  const code = (error as { name?: string; code?: string }).code ?? (error as Error).name;
  const reason = code ? S3_FAULTS[code] : undefined;
  if (reason) return fault(reason, code);
  if (code === 'AbortError' || code === 'TimeoutError') return fault(`endpoint did not answer within ${timeoutMs / 1000} s`, 'ETIMEDOUT');
  const status = (error as S3ServiceException).$metadata?.httpStatusCode;
  // A 5xx that outlived the SDK's retries, or an answer that is not S3's (a proxy's error page, another server).
  if (status !== undefined && status >= 500) return fault(`endpoint answered HTTP ${status}`, code);
  // The SDK names an answer it found no S3 error in by its status (NotFound, say), with the message UnknownError.
  if (status !== undefined && (code === 'UnknownError' || (error as Error).message === 'UnknownError')) {
    return fault(`endpoint answered HTTP ${status}, not as S3 does`, code);
  }
  return error;
}

/** The ObjectStore of deployed runs: the suite's S3 bucket (or an S3-compatible endpoint). */
export class S3ObjectStore implements ObjectStore {
  constructor(
    readonly bucket: string,
    private readonly client: S3Client = createS3Client(),
    private readonly callTimeoutMs = S3_CALL_TIMEOUT_MS,
  ) {}

  /** The options of one small-object call: given up after callTimeoutMs, its body included. */
  private bounded(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.callTimeoutMs) };
  }

  get location(): string {
    return `s3://${this.bucket}`;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), this.bounded());
      const body = Buffer.from(await response.Body!.transformToByteArray());
      return { body, etag: response.ETag ?? '' };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw s3Fault(error, this.bucket, `reading ${key}`, this.callTimeoutMs);
    }
  }

  async put(key: string, body: string | Buffer, options: PutOptions = {}): Promise<{ etag: string }> {
    try {
      const response = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType ?? 'application/json',
          IfMatch: options.ifMatch,
          IfNoneMatch: options.ifNoneMatch,
        }),
        this.bounded(),
      );
      return { etag: response.ETag ?? '' };
    } catch (error) {
      if (isPreconditionFailure(error)) throw new PreconditionFailedError(key);
      throw s3Fault(error, this.bucket, `writing ${key}`, this.callTimeoutMs);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const result: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
          this.bounded(),
        );
        for (const item of page.Contents ?? []) {
          result.push({ key: item.Key!, size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw s3Fault(error, this.bucket, `listing ${prefix}`, this.callTimeoutMs);
    }
    return result;
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), this.bounded());
    } catch (error) {
      throw s3Fault(error, this.bucket, `deleting ${key}`, this.callTimeoutMs);
    }
  }

  /**
   * Streams a body of unknown length as a multipart upload in constant memory; on failure the
   * upload is aborted, so the key never holds a partial object.
   */
  async putStream(key: string, body: Readable, options: { contentType?: string; signal?: AbortSignal } = {}): Promise<StreamedObject> {
    return multipartUpload(this.client, body, {
      bucket: this.bucket,
      key,
      contentType: options.contentType ?? 'application/octet-stream',
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      signal: options.signal,
    });
  }

  async getStream(key: string): Promise<Readable> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return response.Body as Readable;
  }

  /** The bucket is versioned: a key's noncurrent versions, newest first (a delete marker has no body and is skipped). */
  async previousVersions(key: string, limit: number): Promise<PreviousVersion[]> {
    try {
      return await this.readPreviousVersions(key, limit);
    } catch (error) {
      throw s3Fault(error, this.bucket, `reading earlier versions of ${key}`, this.callTimeoutMs);
    }
  }

  private async readPreviousVersions(key: string, limit: number): Promise<PreviousVersion[]> {
    const versions: Array<{ id: string; lastModified: Date }> = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
        this.bounded(),
      );
      for (const v of page.Versions ?? []) {
        if (v.Key === key && !v.IsLatest && v.VersionId) versions.push({ id: v.VersionId, lastModified: v.LastModified ?? new Date(0) });
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker && versions.length < limit);
    versions.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
    const result: PreviousVersion[] = [];
    for (const version of versions.slice(0, limit)) {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: version.id }),
        this.bounded(),
      );
      const body = Buffer.from(await response.Body!.transformToByteArray());
      result.push({ body, etag: response.ETag ?? '', lastModified: version.lastModified });
    }
    return result;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), this.bounded());
      return { key, size: response.ContentLength ?? 0, lastModified: response.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw s3Fault(error, this.bucket, `reading ${key}`, this.callTimeoutMs);
    }
  }
}
