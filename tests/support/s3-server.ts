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
import { PassThrough, Transform, type Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { crc32 } from 'node:zlib';
import { crc32Combine } from '../../functions/core/adapters/s3/crc32-combine.js';
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
  /** CompleteMultipartUpload and CRC32 checksums as S3 does them: see completeMultipartLikeS3 and checksumsLikeS3. */
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
  putPart(bucket: string, uploadId: string, partNumber: string, content: Readable): Promise<{ size: number; md5: string }>;
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

/** The subset of a Koa context the checksum middleware reads and writes. */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  body: unknown;
  get(header: string): string;
  set(header: string, value: string): void;
}

const crcBase64 = (crc: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc >>> 0);
  return bytes.toString('base64');
};

/**
 * CRC32 checksums as S3 keeps them (s3rver knows none): a part or object sent with
 * `x-amz-checksum-crc32` is refused with BadDigest when its bytes differ, and the value is
 * answered back; an upload created with `x-amz-checksum-algorithm: CRC32` and
 * `x-amz-checksum-type: FULL_OBJECT` completes with the whole object's CRC32, combined from the
 * parts', checked against the one the client sends and answered in the result. This is what the
 * product's AWS path relies on, so the benchmark can run it against this server.
 */
function checksumsLikeS3(store: FilesystemStore) {
  const badDigest = (ctx: KoaContext, what: string) => {
    ctx.status = 400;
    ctx.body = { Error: { Code: 'BadDigest', Message: `The CRC32 you specified did not match the calculated checksum (${what}).` } };
  };
  // Each part's CRC32 as it streams in (beside s3rver's MD5), into <part>.crc32: reading the part
  // back would cost this server a second pass and an 8 MiB buffer per part.
  const { putPart } = store;
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    let crc = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        crc = crc32(chunk, crc);
        done(null, chunk);
      },
    });
    content.once('error', (error) => tap.destroy(error));
    const stored = await putPart.call(store, bucket, uploadId, partNumber, content.pipe(tap));
    const path = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    writeFileSync(`${path}.crc32`, crcBase64(crc));
    return stored;
  };
  return async (ctx: KoaContext, next: () => Promise<void>): Promise<void> => {
    const sent = ctx.get('x-amz-checksum-crc32') || undefined;
    const { uploadId, partNumber } = ctx.query;
    // Path-style: /<bucket>/<key>.
    const [bucket = '', ...rest] = ctx.path.replace(/^\//, '').split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (ctx.method === 'PUT' && uploadId && partNumber) {
      await next();
      if (ctx.status !== 200) return;
      const path = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, partNumber);
      const actual = readFileSync(`${path}.crc32`, 'utf8');
      if (sent && sent !== actual) {
        rmSync(path, { force: true });
        return badDigest(ctx, `part ${partNumber}`);
      }
      if (sent) ctx.set('x-amz-checksum-crc32', actual);
      return;
    }
    if (ctx.method === 'POST' && uploadId) {
      const metadataPath = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, 'metadata');
      const metadata = existsSync(metadataPath) ? (JSON.parse(readFileSync(metadataPath, 'utf8')) as Record<string, string>) : {};
      await next();
      const fullObject =
        metadata['x-amz-checksum-algorithm']?.toUpperCase() === 'CRC32' && metadata['x-amz-checksum-type']?.toUpperCase() === 'FULL_OBJECT';
      const result = (ctx.body as { CompleteMultipartUploadResult?: Record<string, string> } | undefined)?.CompleteMultipartUploadResult;
      if (!fullObject || !result) return;
      const dir = store.getResourcePath(bucket, key, 'parts');
      const files = JSON.parse(readFileSync(join(dir, 'parts.json'), 'utf8')) as { name: string; size: number }[];
      const whole = files.reduce((acc, file) => {
        const part = Buffer.from(readFileSync(join(dir, `${file.name}.crc32`), 'utf8'), 'base64').readUInt32BE();
        return crc32Combine(acc, part, file.size);
      }, 0);
      if (sent && sent !== crcBase64(whole)) {
        await store.deleteObject(bucket, key);
        return badDigest(ctx, 'the whole object');
      }
      result.ChecksumCRC32 = crcBase64(whole);
      result.ChecksumType = 'FULL_OBJECT';
      return;
    }
    if (ctx.method === 'PUT' && sent && !ctx.get('x-amz-copy-source')) {
      await next();
      if (ctx.status !== 200) return;
      const actual = crcBase64(crc32(readFileSync(store.getResourcePath(bucket, key, 'object'))));
      if (sent !== actual) {
        await store.deleteObject(bucket, key);
        return badDigest(ctx, 'the object');
      }
      ctx.set('x-amz-checksum-crc32', actual);
      return;
    }
    await next();
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
    if (options.s3LikeCompletion) {
      completeMultipartLikeS3(server.store);
      // Koa composes its middleware when the server starts: this one runs just before s3rver's router.
      const middleware = (server as { middleware: unknown[] }).middleware;
      middleware.splice(middleware.length - 1, 0, checksumsLikeS3(server.store));
    }
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
