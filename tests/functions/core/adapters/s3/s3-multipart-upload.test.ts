import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startProcess, type RunningProcess } from '../../../../../functions/backup/child-process.js';
import { DumpOutput } from '../../../../../functions/backup/dump-output.js';
import { multipartUpload } from '../../../../../functions/core/adapters/s3/s3-multipart-upload.js';
import { S3TestServer } from '../../../../support/s3-server.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;

/** The body in uneven chunks, as a pipe delivers it. */
function chunked(body: Buffer, sizes = [65_536, 17, 300_001, 4_096]): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < body.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(body.subarray(offset, offset + size));
    offset += size;
  }
  return Readable.from(chunks);
}

async function read(client: S3Client, bucket: string, key: string, range?: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest();
/** S3's spelling of a CRC32: big-endian bytes in base64. */
const crc = (data: Buffer) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32(data));
  return bytes.toString('base64');
};

describe.each([
  { name: 's3rver', s3LikeCompletion: false },
  { name: 's3rver with S3-like completion (the benchmark server)', s3LikeCompletion: true },
])('multipartUpload against $name', ({ s3LikeCompletion }) => {
  let server: S3TestServer;
  let client: S3Client;
  beforeAll(async () => {
    server = await S3TestServer.start('mpu', undefined, { s3LikeCompletion });
    client = server.client();
  });
  afterAll(async () => server.destroy());

  it('stores a body of several parts intact, whatever its chunking, and reports its size', async () => {
    // The signed requests as they leave: parts are signed without hashing their payload.
    const sent: Record<string, string>[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'deserialize', name: 'captureSigned' },
    );
    const body = randomBytes(3 * PART + 123_457);
    const { size, storeChecked } = await multipartUpload(client, chunked(body), {
      bucket: 'mpu',
      key: 'a/b.dump',
      contentType: 'application/octet-stream',
      partSize: PART,
      queueSize: 2,
    });
    expect(size).toBe(body.length);
    // Stock s3rver's multipart ETag is the whole body's MD5, which the uploader does not compute.
    expect(storeChecked).toBe(s3LikeCompletion);
    expect((await read(client, 'mpu', 'a/b.dump')).equals(body)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'a/b.dump' }));
    expect(head.ContentLength).toBe(body.length);
    // A range across the first part boundary.
    const range = await read(client, 'mpu', 'a/b.dump', `bytes=${PART - 10}-${PART + 9}`);
    expect(range.equals(body.subarray(PART - 10, PART + 10))).toBe(true);
    if (s3LikeCompletion) {
      const parts = [0, 1, 2, 3].map((i) => md5(body.subarray(i * PART, (i + 1) * PART)));
      expect(head.ETag).toBe(`"${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-4"`);
    } else {
      expect(head.ETag).toBe(`"${md5(body).toString('hex')}"`);
    }
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'mpu', Prefix: 'a/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['a/b.dump', body.length]]);
    client.middlewareStack.remove('captureSigned');
    expect(sent).toHaveLength(4);
    for (const headers of sent) {
      expect(headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
      expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 .*SignedHeaders=.*content-md5.*x-amz-content-sha256/);
    }
    const partMd5s = [0, 1, 2, 3].map((i) => md5(body.subarray(i * PART, (i + 1) * PART)).toString('base64'));
    expect(sent.map((h) => h['content-md5']).sort()).toEqual([...partMd5s].sort());
  });

  it('sends a body smaller than one part, or an empty one, as a single object', async () => {
    const small = randomBytes(1_000);
    // A single object's ETag is its MD5 on any server: the store vouches for it.
    expect(
      await multipartUpload(client, chunked(small), { bucket: 'mpu', key: 'small', contentType: 'x/y', partSize: PART, queueSize: 2 }),
    ).toEqual({ size: 1_000, storeChecked: true });
    expect((await read(client, 'mpu', 'small')).equals(small)).toBe(true);
    expect(
      await multipartUpload(client, Readable.from([]), { bucket: 'mpu', key: 'empty', contentType: 'x/y', partSize: PART, queueSize: 2 }),
    ).toEqual({ size: 0, storeChecked: true });
    expect((await read(client, 'mpu', 'empty')).length).toBe(0);
  });

  it('replaces and deletes an object it stored', async () => {
    const first = randomBytes(2 * PART + 1);
    await multipartUpload(client, chunked(first), { bucket: 'mpu', key: 'again', contentType: 'x/y', partSize: PART, queueSize: 2 });
    await client.send(new PutObjectCommand({ Bucket: 'mpu', Key: 'again', Body: 'short' }));
    expect((await read(client, 'mpu', 'again')).toString()).toBe('short');
    const second = randomBytes(PART + 7);
    await multipartUpload(client, chunked(second), { bucket: 'mpu', key: 'again', contentType: 'x/y', partSize: PART, queueSize: 2 });
    expect((await read(client, 'mpu', 'again')).equals(second)).toBe(true);
    await client.send(new DeleteObjectCommand({ Bucket: 'mpu', Key: 'again' }));
    await expect(read(client, 'mpu', 'again')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('leaves nothing under the key when the body fails midway', async () => {
    const body = randomBytes(2 * PART);
    const failing = new Readable({ read() {} });
    failing.push(body);
    setTimeout(() => failing.destroy(new Error('pg_dump died')), 50);
    await expect(
      multipartUpload(client, failing, { bucket: 'mpu', key: 'broken', contentType: 'x/y', partSize: PART, queueSize: 2 }),
    ).rejects.toThrow('pg_dump died');
    await expect(read(client, 'mpu', 'broken')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});

describe('multipartUpload with CRC32 checksums, as on AWS, against the S3-like server', () => {
  let server: S3TestServer;
  /** A client with the AWS defaults (checksums where supported): the uploader's crc32 path. */
  let client: S3Client;
  beforeAll(async () => {
    server = await S3TestServer.start('crc', undefined, { s3LikeCompletion: true });
    client = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });
  afterAll(async () => server.destroy());
  const options = (key: string) => ({ bucket: 'crc', key, contentType: 'x/y', partSize: PART, queueSize: 2 });

  it("stores the body intact and trusts it on the server's whole-object CRC32, for several parts or one", async () => {
    const body = randomBytes(3 * PART + 4_321);
    expect(await multipartUpload(client, chunked(body), options('whole'))).toEqual({ size: body.length, storeChecked: true });
    expect((await read(client, 'crc', 'whole')).equals(body)).toBe(true);
    const small = randomBytes(777);
    expect(await multipartUpload(client, chunked(small), options('single'))).toEqual({ size: 777, storeChecked: true });
    expect((await read(client, 'crc', 'single')).equals(small)).toBe(true);
  });

  it('a part that arrives different is refused (BadDigest): the upload aborts and nothing is under the key', async () => {
    // Damage one part's bytes on the wire, after its CRC32 was computed.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { body?: Buffer; query?: Record<string, string> };
        if (context.commandName === 'UploadPartCommand' && request.query?.partNumber === '2' && Buffer.isBuffer(request.body)) {
          const damaged = Buffer.from(request.body);
          damaged[100] = damaged[100]! ^ 0xff;
          request.body = damaged;
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'damagePart' },
    );
    try {
      await expect(multipartUpload(client, chunked(randomBytes(3 * PART)), options('damaged'))).rejects.toMatchObject({
        name: 'BadDigest',
      });
    } finally {
      client.middlewareStack.remove('damagePart');
    }
    await expect(read(client, 'crc', 'damaged')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it("reads a DirectBody (a child's output via a socket) into the parts; a refused part stops the child, leaving nothing", async () => {
    const body = randomBytes(2 * PART + 12_345);
    const file = join(mkdtempSync(join(tmpdir(), 'autopilot-mpu-')), 'body.bin');
    writeFileSync(file, body);
    const producer = async (script: string) => {
      let child: RunningProcess | undefined;
      const { output, childEnd } = await DumpOutput.open(async () => {
        const status = await child!.exited;
        if (status.code !== 0) throw new Error(`producer exited ${status.code}`);
      });
      child = startProcess('sh', ['-c', script, file], process.env, 'ignore', childEnd);
      return { output, child };
    };
    const intact = await producer('cat "$0"');
    expect(await multipartUpload(client, intact.output, options('direct'))).toEqual({ size: body.length, storeChecked: true });
    expect((await read(client, 'crc', 'direct')).equals(body)).toBe(true);
    expect(intact.output.sha256).toBe(createHash('sha256').update(body).digest('hex'));

    client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { body?: Buffer };
        if (context.commandName === 'UploadPartCommand' && Buffer.isBuffer(request.body)) {
          const damaged = Buffer.from(request.body);
          damaged[0] = damaged[0]! ^ 0xff;
          request.body = damaged;
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'damageEveryPart' },
    );
    // An endless producer: only its output closing stops it.
    const endless = await producer('while cat "$0"; do :; done; exit 0');
    try {
      await expect(multipartUpload(client, endless.output, options('refused'))).rejects.toMatchObject({ name: 'BadDigest' });
    } finally {
      client.middlewareStack.remove('damageEveryPart');
    }
    expect((await endless.child.exited).code).toBe(0);
    await expect(read(client, 'crc', 'refused')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});

describe('multipartUpload calls (mocked S3)', () => {
  // A client as on AWS (checksums when supported) and one as for S3-compatible servers.
  const awsClient = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const plainClient = new S3Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  let s3: ReturnType<typeof mockClient>;
  let plain: ReturnType<typeof mockClient>;
  beforeEach(() => {
    s3 = mockClient(awsClient);
    plain = mockClient(plainClient);
    for (const mock of [s3, plain]) {
      mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
      mock.on(CompleteMultipartUploadCommand).resolves({});
      mock.on(AbortMultipartUploadCommand).resolves({});
    }
  });
  afterEach(() => {
    s3.restore();
    plain.restore();
  });

  it('reuses queueSize + 1 part buffers for any number of parts and never has more than queueSize parts in flight', async () => {
    const bodies = new Set<ArrayBufferLike>();
    const partCrcs: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number; Body: Buffer; ChecksumCRC32: string; ContentMD5?: string }) => {
      bodies.add(input.Body.buffer);
      // The buffer is reused once the call returns: check it now.
      expect(input.ChecksumCRC32).toBe(crc(input.Body));
      expect(input.ContentMD5).toBeUndefined();
      partCrcs[input.PartNumber - 1] = input.ChecksumCRC32;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return { ETag: `"e${input.PartNumber}"`, ChecksumCRC32: input.ChecksumCRC32 };
    });
    const body = randomBytes(20 * PART + 5);
    const { size, storeChecked } = await multipartUpload(awsClient, chunked(body), {
      bucket: 'b',
      key: 'k',
      contentType: 'x/y',
      partSize: PART,
      queueSize: 2,
    });
    expect(size).toBe(body.length);
    // S3 did not answer the object's checksum: nothing vouched for.
    expect(storeChecked).toBe(false);
    expect(bodies.size).toBe(3);
    expect(maxInFlight).toBe(2);
    // On AWS: CRC32 per part, and the whole object's CRC32 at completion (FULL_OBJECT), which S3 checks.
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toEqual({
      Bucket: 'b',
      Key: 'k',
      ContentType: 'x/y',
      ChecksumAlgorithm: 'CRC32',
      ChecksumType: 'FULL_OBJECT',
    });
    expect(partCrcs).toEqual(Array.from({ length: 21 }, (_, i) => crc(body.subarray(i * PART, (i + 1) * PART))));
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input;
    expect(complete.UploadId).toBe('up-1');
    expect(complete.ChecksumCRC32).toBe(crc(body));
    expect(complete.ChecksumType).toBe('FULL_OBJECT');
    expect(complete.MultipartUpload!.Parts).toEqual(
      Array.from({ length: 21 }, (_, i) => ({ PartNumber: i + 1, ETag: `"e${i + 1}"`, ChecksumCRC32: partCrcs[i] })),
    );
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it("on AWS, trusts the stored bytes when S3 answers the whole object's CRC32 it was sent (FULL_OBJECT), and only then", async () => {
    const body = randomBytes(2 * PART + 99);
    const upload = () =>
      multipartUpload(awsClient, chunked(body), { bucket: 'b', key: 'k', contentType: 'x/y', partSize: PART, queueSize: 2 });
    s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number }) => ({ ETag: `"e${input.PartNumber}"` }));
    s3.on(CompleteMultipartUploadCommand).resolves({ ChecksumCRC32: crc(body), ChecksumType: 'FULL_OBJECT' });
    expect(await upload()).toEqual({ size: body.length, storeChecked: true });
    s3.on(CompleteMultipartUploadCommand).resolves({ ChecksumCRC32: crc(body.subarray(1)), ChecksumType: 'FULL_OBJECT' });
    expect((await upload()).storeChecked).toBe(false);
    s3.on(CompleteMultipartUploadCommand).resolves({ ChecksumCRC32: 'AAAAAA==-3', ChecksumType: 'COMPOSITE' });
    expect((await upload()).storeChecked).toBe(false);
    // Smaller than a part: one PutObject with its CRC32, trusted when S3 answers it.
    const small = randomBytes(1_000);
    s3.on(PutObjectCommand).resolves({ ChecksumCRC32: crc(small) });
    expect(
      await multipartUpload(awsClient, chunked(small), { bucket: 'b', key: 's', contentType: 'x/y', partSize: PART, queueSize: 2 }),
    ).toEqual({
      size: 1_000,
      storeChecked: true,
    });
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Key: 's',
      ChecksumCRC32: crc(small),
      ContentLength: 1_000,
    });
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.ContentMD5).toBeUndefined();
  });

  describe('trusts the stored bytes only when every ETag the server answers is the MD5 the uploader computed', () => {
    const body = randomBytes(3 * PART + 11);
    const partMd5s = [0, 1, 2, 3].map((i) => md5(body.subarray(i * PART, (i + 1) * PART)));
    const objectEtag = `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-4"`;
    /** The server's answers: each part's MD5 of what it received, then the object's ETag. */
    const answer = (partEtag: (received: Buffer, part: number) => string, completeEtag: string) => {
      const contentMd5s: string[] = [];
      plain.on(UploadPartCommand).callsFake(async (input: { PartNumber: number; Body: Buffer; ContentMD5: string }) => {
        // The buffer is reused once the call returns: digest it now.
        contentMd5s[input.PartNumber - 1] = input.ContentMD5;
        return { ETag: `"${partEtag(input.Body, input.PartNumber)}"` };
      });
      plain.on(CompleteMultipartUploadCommand).resolves({ ETag: completeEtag });
      return contentMd5s;
    };
    const upload = () =>
      multipartUpload(plainClient, chunked(body), { bucket: 'b', key: 'k', contentType: 'x/y', partSize: PART, queueSize: 2 });

    it('every part and the object match: checked, and each part went with its Content-MD5', async () => {
      const contentMd5s = answer((received) => md5(received).toString('hex'), objectEtag);
      expect(await upload()).toEqual({ size: body.length, storeChecked: true });
      expect(contentMd5s).toEqual(partMd5s.map((d) => d.toString('base64')));
    });

    it('a part stored with other bytes: not checked', async () => {
      answer(
        (received, part) => (part === 2 ? md5(Buffer.concat([received, Buffer.from('x')])) : md5(received)).toString('hex'),
        objectEtag,
      );
      expect(await upload()).toEqual({ size: body.length, storeChecked: false });
    });

    it('an object ETag of another form or value: not checked', async () => {
      answer((received) => md5(received).toString('hex'), `"${md5(body).toString('hex')}"`);
      expect((await upload()).storeChecked).toBe(false);
      plain.reset();
      plain.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
      answer((received) => md5(received).toString('hex'), objectEtag.replace('-4', '-5'));
      expect((await upload()).storeChecked).toBe(false);
    });
  });

  it('asks S3-compatible servers for no checksum', async () => {
    plain.on(UploadPartCommand).resolves({ ETag: '"e"' });
    await multipartUpload(plainClient, chunked(randomBytes(PART + 1)), {
      bucket: 'b',
      key: 'k',
      contentType: 'x/y',
      partSize: PART,
      queueSize: 2,
    });
    expect(plain.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toEqual({ Bucket: 'b', Key: 'k', ContentType: 'x/y' });
  });

  it('aborts the upload and completes nothing when a part fails', async () => {
    plain.on(UploadPartCommand).resolves({ ETag: '"e"' }).on(UploadPartCommand, { PartNumber: 3 }).rejects(new Error('connection reset'));
    await expect(
      multipartUpload(plainClient, chunked(randomBytes(6 * PART)), {
        bucket: 'b',
        key: 'k',
        contentType: 'x/y',
        partSize: PART,
        queueSize: 2,
      }),
    ).rejects.toThrow('connection reset');
    expect(plain.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(plain.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'b', Key: 'k', UploadId: 'up-1' },
    ]);
  });

  it('stops, aborts and rejects when the signal fires', async () => {
    plain.on(UploadPartCommand).callsFake(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return { ETag: '"e"' };
    });
    const controller = new AbortController();
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(MiB));
      },
    });
    setTimeout(() => controller.abort(new Error('out of time')), 30);
    await expect(
      multipartUpload(plainClient, endless, {
        bucket: 'b',
        key: 'k',
        contentType: 'x/y',
        partSize: PART,
        queueSize: 2,
        signal: controller.signal,
      }),
    ).rejects.toThrow('out of time');
    expect(plain.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(plain.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });
});
