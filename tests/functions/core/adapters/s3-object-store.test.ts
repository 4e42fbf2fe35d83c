import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe } from 'vitest';
import { S3ObjectStore } from '../../../../functions/core/adapters/s3-object-store.js';
import { ConditionalS3Proxy } from '../../../support/conditional-s3-proxy.js';
import { S3TestServer, s3TestClient } from '../../../support/s3-server.js';
import { objectStoreContract } from './object-store.contract.js';

let server: S3TestServer;
let proxy: ConditionalS3Proxy;
let client: S3Client;

beforeAll(async () => {
  server = await S3TestServer.start();
  proxy = await ConditionalS3Proxy.start(server.port);
  client = s3TestClient(proxy.endpoint);
});
afterAll(async () => {
  await proxy.close();
  await server.destroy();
});

let n = 0;
describe('S3ObjectStore against s3rver (conditional writes enforced by a loopback proxy)', () => {
  objectStoreContract(async () => {
    const bucket = `contract-${n++}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return new S3ObjectStore(bucket, client);
  });
});
