import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A real S3-protocol server (s3rver) on loopback with one bucket, for uploads and downloads. */
export class S3TestServer {
  private constructor(
    private readonly server: { close(): Promise<void> },
    readonly dir: string,
    readonly port: number,
    readonly bucket: string,
  ) {}

  static async start(bucket = 'autopilot-test', port?: number): Promise<S3TestServer> {
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-s3-'));
    const chosen = port ?? (await freePort());
    const server = new S3rver({ address: '127.0.0.1', port: chosen, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
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
