import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../../functions/core/adapters/s3/s3-object-store.js';
import { StoreFaultError } from '../../../../functions/core/errors.js';
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

/** A loopback endpoint that is not a working S3: it answers each request as `answer` says (or not at all). */
async function hostileEndpoint(answer: (socket: Socket) => void): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      answer(socket);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('S3ObjectStore against endpoints that are not a working S3: one store fault each, never a hang', () => {
  const cases: Array<[string, (socket: Socket) => void, RegExp]> = [
    [
      'accepts the connection and never answers',
      () => undefined,
      /endpoint did not answer within 1 s \(ETIMEDOUT\) reading state\/x\.json/,
    ],
    [
      'sends headers, then stalls the body',
      (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nETag: "x"\r\n\r\n{"ver'),
      /store s3:\/\/b: .* reading state\/x\.json/,
    ],
    [
      'answers with a web page instead of S3 XML',
      (socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 17\r\n\r\n<html>nope</html>'),
      /endpoint answered HTTP 404, not as S3 does \(NotFound\) writing state\/x\.json/,
    ],
    [
      'answers 500 to every attempt',
      (socket) =>
        socket.end(
          'HTTP/1.1 500 Internal\r\nContent-Type: application/xml\r\nContent-Length: 41\r\n\r\n<Error><Code>InternalError</Code></Error>',
        ),
      /endpoint answered HTTP 500 \(InternalError\)/,
    ],
  ];

  it.concurrent.each(cases)('%s', async (_name, answer, fault) => {
    const hostile = await hostileEndpoint(answer);
    try {
      const store = new S3ObjectStore('b', s3TestClient(hostile.endpoint, { maxAttempts: 2 }), 1_000);
      // A read that finds nothing (a 404 page) goes on to the write, as a run does with its first state.
      const attempt = (async () => {
        await store.get('state/x.json');
        await store.put('state/x.json', '{}', { ifNoneMatch: '*' });
      })();
      await expect(attempt).rejects.toThrow(StoreFaultError);
      await expect(attempt).rejects.toThrow(fault);
    } finally {
      await hostile.close();
    }
  });
});
