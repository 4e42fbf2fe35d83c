import type { Readable } from 'node:stream';

export interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface PutOptions {
  /** Write only if the stored object still has this ETag (S3 If-Match). */
  readonly ifMatch?: string;
  /** Write only if no object exists under the key (S3 If-None-Match: *). */
  readonly ifNoneMatch?: '*';
  readonly contentType?: string;
}

export interface StreamedObject {
  readonly size: number;
  /**
   * The store itself confirmed it holds exactly the bytes streamed (S3: the whole object's CRC32
   * it answered, or every part's MD5 and the object's multipart ETag, match what was sent), so
   * checking the object needs no full read-back.
   */
  readonly storeChecked: boolean;
}

/**
 * Where a DirectBody writes: free space in the store's own buffers (an S3 upload's part buffers).
 * The body reads straight into `space()` and reports what it wrote, so no chunk is allocated or
 * copied on the way.
 */
export interface ByteSink {
  /** The free space the next bytes go to (never empty), or undefined while every buffer is busy: wait for `ready()`. */
  space(): Buffer | undefined;
  /** `n` bytes were written at the start of the last `space()`. */
  wrote(n: number): void;
  /** Resolves once `space()` has room again; rejects when the sink failed (the body should stop). */
  ready(): Promise<void>;
}

/**
 * A body that can write straight into a sink (a child's stdout read into the upload's buffers).
 * It is a Readable too, for stores that have no buffers of their own.
 */
export interface DirectBody extends Readable {
  /** Delivers every byte into `sink`; resolves at the body's end, rejects on its failure. */
  deliverTo(sink: ByteSink): Promise<void>;
}

export function isDirectBody(body: Readable): body is DirectBody {
  return typeof (body as Partial<DirectBody>).deliverTo === 'function';
}

/**
 * Where state, backups and manifests live: the suite's S3 bucket when deployed,
 * a directory (or an S3-compatible endpoint) in --local runs.
 * Conditional puts throw PreconditionFailedError when the condition does not hold.
 */
export interface ObjectStore {
  /** A short description for logs and reports: `s3://bucket` or a directory path. */
  readonly location: string;
  get(key: string): Promise<StoredObject | undefined>;
  put(key: string, body: string | Buffer, options?: PutOptions): Promise<{ etag: string }>;
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<void>;
  /** Streams a body of unknown length; on any failure nothing remains under `key`. */
  putStream(key: string, body: Readable, options?: { contentType?: string; signal?: AbortSignal }): Promise<StreamedObject>;
  getStream(key: string): Promise<Readable>;
  /** Size and time of one object, without its body; undefined when there is none. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Earlier versions of a key written with put(), newest first, at most `limit`: the versioned
   * bucket's noncurrent versions on S3, the kept copy in a directory. What a damaged alert state
   * is recovered from; a store that keeps none may leave this out.
   */
  previousVersions?(key: string, limit: number): Promise<PreviousVersion[]>;
}

export interface PreviousVersion extends StoredObject {
  readonly lastModified?: Date;
}
