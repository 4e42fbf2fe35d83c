/**
 * The bench's S3 server in a process of its own, so the bench can lower its CPU priority: it
 * stands in for S3, which runs on other machines, and must not take pg_dump's core.
 * BENCH_S3_KIND=s3 (the default): S3's multipart completion and CRC32 checksums, as on AWS;
 * BENCH_S3_KIND=stock: s3rver as it comes, an S3-compatible server that knows no CRC32 and
 * answers a multipart object's ETag as the MD5 of its whole body.
 * Prints {"endpoint", "bucket", "dir"} once listening; stops when its stdin closes.
 */
import { S3TestServer } from '../../tests/support/s3-server.js';

const server = await S3TestServer.start('bench', undefined, {
  root: process.env.BENCH_S3_ROOT,
  s3LikeCompletion: process.env.BENCH_S3_KIND !== 'stock',
});
process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint, bucket: server.bucket, dir: server.dir })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.destroy().then(() => process.exit(0)));
