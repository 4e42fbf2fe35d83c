// s3rver as its own process (see S3rverProcess in fixtures.ts): node s3rver-child.mjs <port> <dir> <bucket>
import S3rver from 's3rver';

const [port, directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: Number(port), silent: true, directory, configureBuckets: [{ name: bucket }] });
await server.run();
process.stdout.write('ready\n');
