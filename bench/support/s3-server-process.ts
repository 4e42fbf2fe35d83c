/**
 * The bench's S3 server in a process of its own, so the bench can lower its CPU priority: it
 * stands in for S3, which runs on other machines, and must not take pg_dump's core.
 * Prints {"endpoint", "bucket", "dir"} once listening; stops when its stdin closes.
 */
import { S3TestServer } from '../../tests/support/s3-server.js';

const server = await S3TestServer.start('bench', undefined, { root: process.env.BENCH_S3_ROOT, s3LikeCompletion: true });
process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint, bucket: server.bucket, dir: server.dir })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.destroy().then(() => process.exit(0)));
