import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

const HEAD_BYTES = 1024;

/**
 * Passes bytes through unchanged while counting them and hashing them with SHA-256, in the
 * same pass as the upload. With `beforeEnd`, the stream ends only once that promise resolves
 * and errors when it rejects: a multipart upload fed from it then never completes for a
 * producer (pg_dump) that exited badly after writing a truncated archive.
 */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private digest: string | undefined;
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly beforeEnd?: () => Promise<void>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headLength);
      this.headChunks.push(Buffer.from(part));
      this.headLength += part.length;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const finish = () => {
      this.digest = this.hash.digest('hex');
      done();
    };
    if (!this.beforeEnd) {
      finish();
      return;
    }
    this.beforeEnd().then(finish, (error: Error) => done(error));
  }

  /** The first bytes that passed (up to 1 KiB): an archive's header. */
  get head(): Buffer {
    return Buffer.concat(this.headChunks);
  }

  get size(): number {
    return this.bytes;
  }

  /** The hex SHA-256 of everything that passed; only once the stream has ended. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error('the stream has not ended');
    return this.digest;
  }
}
