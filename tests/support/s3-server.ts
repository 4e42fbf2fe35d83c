import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
// s3rver has no type declarations.
// @ts-expect-error untyped module
import S3rver from 's3rver';
import { freePort } from './postgres-cluster.js';

/** A client for an s3rver endpoint as the product builds one for S3_ENDPOINT; checksums off or s3rver corrupts streamed bodies. */
export function s3TestClient(endpoint: string, options: { maxAttempts?: number } = {}): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...options,
  });
}

export interface S3TestServerOptions {
  /** Where the server keeps its files (a benchmark puts them on tmpfs, off the disk it measures). */
  readonly root?: string;
  /** CompleteMultipartUpload as S3 does it: see completeMultipartLikeS3. */
  readonly s3LikeCompletion?: boolean;
}

interface ObjectRange {
  start: number;
  end: number;
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string }): Promise<unknown>;
  getObject(bucket: string, key: string, options?: Partial<ObjectRange>): Promise<StoredS3Object | null>;
  deleteObject(bucket: string, key: string): Promise<void>;
  putObjectMultipart(bucket: string, uploadId: string, parts: { number: number }[]): Promise<{ size: number; md5: string }>;
}

/** s3rver's S3Object, as far as this file uses it. */
interface StoredS3Object {
  content: Readable | null;
  range?: ObjectRange;
}

/**
 * s3rver completes a multipart upload by streaming every part through an MD5 into a new file:
 * seconds per GB here, where S3 takes a moment whatever the size. A benchmark of the uploader
 * must not time that, so with this completion the part files stay where they are and reads are
 * served from them in order, and the object gets S3's multipart ETag (MD5 of the parts' MD5s,
 * then "-<parts>") instead of an MD5 of the whole object. Bodies, sizes, ranges and errors are
 * unchanged; s3rver still answers everything else.
 */
/** The bytes `range` of the part files laid end to end. */
function concatenatedParts(dir: string, files: { name: string; size: number }[], range: ObjectRange): Readable {
  const content = new PassThrough();
  const pieces: { path: string; start: number; end: number }[] = [];
  let offset = 0;
  for (const file of files) {
    const from = Math.max(range.start, offset);
    const to = Math.min(range.end, offset + file.size - 1);
    if (from <= to) pieces.push({ path: join(dir, file.name), start: from - offset, end: to - offset });
    offset += file.size;
  }
  const next = () => {
    const piece = pieces.shift();
    if (!piece) return void content.end();
    const stream = createReadStream(piece.path, { start: piece.start, end: piece.end, highWaterMark: 1024 * 1024 });
    stream.once('error', (error) => content.destroy(error));
    stream.once('end', next);
    stream.pipe(content, { end: false });
  };
  next();
  return content;
}

function completeMultipartLikeS3(store: FilesystemStore): void {
  const partsDir = (bucket: string, key: string) => store.getResourcePath(bucket, key, 'parts');
  const { putObject, getObject, deleteObject } = store;

  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const uploadDir = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    const key = readFileSync(join(uploadDir, 'key'), 'utf8');
    const metadata: unknown = JSON.parse(readFileSync(join(uploadDir, 'metadata'), 'utf8'));
    const ordered = [...parts].sort((a, b) => a.number - b.number);
    const files = ordered.map((part) => ({ name: String(part.number), size: statSync(join(uploadDir, String(part.number))).size }));
    const size = files.reduce((sum, file) => sum + file.size, 0);
    const digests = ordered.map((part) => Buffer.from(readFileSync(join(uploadDir, `${part.number}.md5`), 'utf8'), 'hex'));
    const etag = `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${ordered.length}`;
    const dir = partsDir(bucket, key);
    const objectPath = store.getResourcePath(bucket, key, 'object');
    mkdirSync(dirname(objectPath), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(uploadDir, dir);
    writeFileSync(join(dir, 'parts.json'), JSON.stringify(files));
    // s3rver reads an object's size from its file: a sparse file of that size, no bytes written.
    writeFileSync(objectPath, '');
    truncateSync(objectPath, size);
    await store.putMetadata(bucket, key, metadata, etag);
    return { size, md5: etag };
  };

  store.getObject = async (bucket, key, options) => {
    // s3rver answers the metadata, the range and its errors (its stream on the placeholder file
    // is dropped); the bytes come from the parts.
    const object = await getObject.call(store, bucket, key, options);
    const dir = partsDir(bucket, key);
    if (!object?.content || !existsSync(join(dir, 'parts.json'))) return object;
    object.content.destroy();
    const files = JSON.parse(readFileSync(join(dir, 'parts.json'), 'utf8')) as { name: string; size: number }[];
    const range = object.range ?? { start: 0, end: files.reduce((sum, file) => sum + file.size, 0) - 1 };
    object.content = concatenatedParts(dir, files, range);
    return object;
  };

  store.putObject = async (object) => {
    rmSync(partsDir(object.bucket, object.key), { recursive: true, force: true });
    return putObject.call(store, object);
  };

  store.deleteObject = async (bucket, key) => {
    rmSync(partsDir(bucket, key), { recursive: true, force: true });
    return deleteObject.call(store, bucket, key);
  };
}

/** A real S3-protocol server (s3rver) on loopback with one bucket, for uploads and downloads. */
export class S3TestServer {
  private constructor(
    private readonly server: { close(): Promise<void> },
    readonly dir: string,
    readonly port: number,
    readonly bucket: string,
  ) {}

  static async start(bucket = 'autopilot-test', port?: number, options: S3TestServerOptions = {}): Promise<S3TestServer> {
    const dir = mkdtempSync(join(options.root ?? tmpdir(), 'autopilot-s3-'));
    const chosen = port ?? (await freePort());
    const server = new S3rver({ address: '127.0.0.1', port: chosen, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
    if (options.s3LikeCompletion) completeMultipartLikeS3(server.store);
    await server.run();
    return new S3TestServer(server, dir, chosen, bucket);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  client(): S3Client {
    return s3TestClient(this.endpoint);
  }

  /** Stops the server, keeping its files so a test can restart it on the same port. */
  async stop(): Promise<void> {
    await this.server.close();
  }

  async destroy(): Promise<void> {
    await this.server.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
