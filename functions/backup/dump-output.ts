import { createHash, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ByteSink, DirectBody } from '../core/ports/object-store.js';

const HEAD_BYTES = 1024;
/** Where a read goes when no sink space is named (Readable mode, or every part buffer busy). */
const SCRATCH_BYTES = 64 * 1024;

/**
 * A child's stdout (pg_dump's archive), hashed with SHA-256 and counted as it passes, read
 * through a Unix socket instead of a pipe so that Node reads it into buffers this side names
 * (net's `onread`): given a ByteSink (the multipart upload's part buffers), every read lands in
 * the part being filled, with no chunk allocated, copied or left for the collector. (Through a
 * pipe, a Transform and an async iterator, about 30,000 chunks of 26-44 KB per GiB were each
 * allocated, passed along, copied and collected: 1.5-3 s of CPU per GiB here, about half of what
 * the product spent before it read this way.)
 * A socket also buffers more than a 64 KiB pipe, so reads can be larger.
 * Without a sink it is a plain Readable (a directory store), one copy per read.
 *
 * With `beforeEnd`, the output ends only once that promise resolves, and fails when it rejects:
 * an upload fed from it never completes for a producer (pg_dump) that exited badly after
 * writing a truncated archive.
 */
export class DumpOutput extends Readable implements DirectBody {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private digest: string | undefined;
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  private sink: ByteSink | undefined;
  private reader!: Socket;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  /** Resolves once everything was delivered and `beforeEnd` passed; rejects on any failure. */
  private readonly finished: Promise<void>;

  private constructor(private readonly beforeEnd?: () => Promise<void>) {
    super();
    this.finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.finished.catch(() => undefined);
    // Failures reach the consumer through deliverTo's promise or its own stream listeners; without
    // this, destroying the output with an error nobody listens for would throw.
    this.on('error', () => undefined);
  }

  /**
   * A connected pair: `childEnd` goes to the child as its stdout (spawn's stdio[1]) and is closed
   * here right after the spawn; `output` reads what the child writes.
   */
  static async open(beforeEnd?: () => Promise<void>): Promise<{ output: DumpOutput; childEnd: Socket }> {
    const output = new DumpOutput(beforeEnd);
    const path = socketPath();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    try {
      const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
      const reader = connect({
        path,
        onread: { buffer: () => output.nextBuffer(), callback: (n: number, buffer: Uint8Array) => output.onRead(n, buffer) },
      });
      // Nothing is read until a consumer asks (deliverTo, or the Readable's _read).
      reader.pause();
      await new Promise<void>((resolve, reject) => {
        reader.once('connect', resolve);
        reader.once('error', reject);
      });
      output.attach(reader);
      return { output, childEnd: await accepted };
    } finally {
      server.close();
      if (!path.startsWith('\0') && process.platform !== 'win32') rmSync(path, { force: true });
    }
  }

  deliverTo(sink: ByteSink): Promise<void> {
    this.sink = sink;
    this.reader.resume();
    return this.finished;
  }

  /** The first bytes that passed (up to 1 KiB): an archive's header. */
  get head(): Buffer {
    return Buffer.concat(this.headChunks);
  }

  get size(): number {
    return this.bytes;
  }

  /** The hex SHA-256 of everything that passed; only once the output has ended. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error('the output has not ended');
    return this.digest;
  }

  override _read(): void {
    this.reader.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.reader?.destroy();
    this.settle.reject(error ?? new Error('the dump output was closed'));
    callback(error);
  }

  private attach(reader: Socket): void {
    this.reader = reader;
    reader.once('end', () => void this.conclude());
    reader.once('error', (error) => this.destroy(error));
  }

  /** Where Node reads next: free space in the sink's current part, else the scratch buffer. */
  private nextBuffer(): Uint8Array {
    return this.sink?.space() ?? this.scratch;
  }

  /** `n` bytes were read into `buffer` (the last nextBuffer()); false pauses the socket. */
  private onRead(n: number, buffer: Uint8Array): boolean {
    const sink = this.sink;
    if (!sink) {
      const chunk = Buffer.from(this.scratch.subarray(0, n));
      this.account(chunk);
      return this.push(chunk);
    }
    if (buffer === this.scratch) {
      // Read while no part buffer was named (the first read, or the first after a pause): one copy.
      // The sink had space again when reading resumed, a whole part, more than the scratch holds.
      const space = sink.space();
      if (!space || space.length < n) {
        this.destroy(new Error('no part buffer for the bytes read'));
        return false;
      }
      this.scratch.copy(space, 0, 0, n);
      this.account(space.subarray(0, n));
    } else {
      this.account(Buffer.from(buffer.buffer, buffer.byteOffset, n));
    }
    sink.wrote(n);
    if (sink.space()) return true;
    // Every part buffer is in flight: stop reading (pg_dump blocks on a full socket) until one is free.
    sink.ready().then(
      () => this.reader.resume(),
      (error: Error) => this.destroy(error),
    );
    return false;
  }

  private account(bytes: Buffer): void {
    this.hash.update(bytes);
    this.bytes += bytes.length;
    if (this.headLength < HEAD_BYTES) {
      const part = bytes.subarray(0, HEAD_BYTES - this.headLength);
      this.headChunks.push(Buffer.from(part));
      this.headLength += part.length;
    }
  }

  private async conclude(): Promise<void> {
    try {
      await this.beforeEnd?.();
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    this.digest = this.hash.digest('hex');
    this.settle.resolve();
    if (!this.sink) this.push(null);
  }
}

/** A Linux abstract socket (no file), a named pipe on Windows, else a file in the temp directory. */
function socketPath(): string {
  const name = `autopilot-dump-${randomUUID()}`;
  if (process.platform === 'linux') return `\0${name}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\${name}`;
  return join(tmpdir(), `${name}.sock`);
}
