import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { describeExit, startProcess, succeeded, type RunningProcess } from '../../../functions/backup/child-process.js';
import { DumpOutput } from '../../../functions/backup/dump-output.js';
import type { ByteSink } from '../../../functions/core/ports/object-store.js';

const dir = mkdtempSync(join(tmpdir(), 'autopilot-dump-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real child (cat) writing `data` into the output's socket; the output ends once cat exited 0. */
async function catInto(data: Buffer, command = 'cat'): Promise<{ output: DumpOutput; child: RunningProcess }> {
  const file = join(dir, `${randomBytes(4).toString('hex')}.bin`);
  writeFileSync(file, data);
  let child: RunningProcess | undefined;
  const { output, childEnd } = await DumpOutput.open(async () => {
    const status = await child!.exited;
    if (!succeeded(status)) throw new Error(describeExit(command, status, child!.stderr.toString()));
  });
  child = startProcess('sh', ['-c', `${command} "$0"`, file], process.env, 'ignore', childEnd);
  return { output, child };
}

/**
 * A sink of small buffers whose "uploads" finish later, out of order: reading must pause when
 * every buffer is busy and resume into the one freed, so every pause path runs.
 */
class SlowSink implements ByteSink {
  readonly parts: Buffer[] = [];
  private readonly free: Buffer[];
  private current: Buffer | undefined;
  private filled = 0;
  private waiters: Array<() => void> = [];
  pauses = 0;

  constructor(size: number, count: number) {
    this.free = Array.from({ length: count }, () => Buffer.alloc(size));
    this.current = this.free.pop();
  }

  space(): Buffer | undefined {
    return this.current?.subarray(this.filled);
  }

  wrote(n: number): void {
    this.filled += n;
    if (this.filled < this.current!.length) return;
    const full = this.current!;
    this.parts.push(Buffer.from(full));
    this.current = this.free.pop();
    this.filled = 0;
    setTimeout(
      () => {
        if (this.current) this.free.push(full);
        else this.current = full;
        for (const waiter of this.waiters.splice(0)) waiter();
      },
      1 + (this.parts.length % 3),
    );
  }

  async ready(): Promise<void> {
    this.pauses++;
    while (!this.current) await new Promise<void>((r) => this.waiters.push(r));
  }

  bytes(): Buffer {
    return Buffer.concat([...this.parts, this.current?.subarray(0, this.filled) ?? Buffer.alloc(0)]);
  }
}

describe('pg_dump output through a socket', () => {
  const data = randomBytes(3 * 1024 * 1024 + 12_345);
  const sha256 = createHash('sha256').update(data).digest('hex');

  it('reads straight into a sink, pausing while every buffer is busy, and hashes and counts what passed', async () => {
    const { output } = await catInto(data);
    const sink = new SlowSink(256 * 1024, 2);
    await output.deliverTo(sink);
    expect(sink.bytes().equals(data)).toBe(true);
    expect(sink.pauses).toBeGreaterThan(0);
    expect(output.size).toBe(data.length);
    expect(output.sha256).toBe(sha256);
    expect(output.head.equals(data.subarray(0, 1024))).toBe(true);
  });

  it('is a plain Readable for a store without buffers of its own', async () => {
    const { output } = await catInto(data);
    const chunks: Buffer[] = [];
    await pipeline(
      output,
      new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _e, done) {
          chunks.push(chunk);
          setImmediate(done);
        },
      }),
    );
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(output.size).toBe(data.length);
    expect(output.sha256).toBe(sha256);
  });

  it('does not end when the producer failed after writing everything', async () => {
    const { output } = await catInto(data, 'cat "$0"; exit 3; true');
    const sink = new SlowSink(1024 * 1024, 3);
    await expect(output.deliverTo(sink)).rejects.toThrow(/exited with status 3/);
    expect(() => output.sha256).toThrow('not ended');

    const again = await catInto(data, 'cat "$0"; exit 3; true');
    let ended = false;
    again.output.on('end', () => (ended = true));
    await expect(pipeline(again.output, new Writable({ write: (_c, _e, done) => done() }))).rejects.toThrow(/exited with status 3/);
    expect(ended).toBe(false);
  });

  it('stops the producer when the consumer gives up: its writes fail instead of blocking', async () => {
    // An endless producer: only a closed socket ends it.
    const { output, child } = await catInto(data, 'while cat "$0"; do :; done; exit 0; true');
    const sink = new SlowSink(1024 * 1024, 2);
    const delivered = output.deliverTo(sink);
    await new Promise((r) => setTimeout(r, 100));
    output.destroy();
    await expect(delivered).rejects.toThrow();
    const status = await child.exited;
    expect(status.code).toBe(0);
    expect(sink.bytes().length).toBeGreaterThan(0);
  });
});
