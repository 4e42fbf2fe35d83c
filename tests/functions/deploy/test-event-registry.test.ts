import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConflictException,
  CreateRegistryCommand,
  DescribeRegistryCommand,
  ForbiddenException,
  NotFoundException,
  SchemasClient,
} from '@aws-sdk/client-schemas';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, type CustomResourceEvent, sendResponse } from '../../../functions/deploy/test-event-registry.js';

const schemas = mockClient(SchemasClient);
const REGISTRY = 'lambda-testevent-schemas';
const DESCRIPTION = 'Shareable Lambda test events (read by the Lambda console)';

/** What CloudFormation's pre-signed response URL received: a real HTTP server on loopback. */
interface Received {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

let server: Server;
let responseUrl: string;
let received: Received[] = [];
/** Status codes to answer the next PUTs with (then 200). */
let failNext: number[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const status = failNext.shift() ?? 200;
      received.push({ method: request.method!, headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      response.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cloudformation-response?X-Amz-Signature=abc`;
});
afterAll(() => server.close());
beforeEach(() => {
  schemas.reset();
  received = [];
  failNext = [];
});

function event(requestType: CustomResourceEvent['RequestType']): CustomResourceEvent {
  return {
    RequestType: requestType,
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:ap-northeast-1:123456789012:stack/OpsAutopilot/1a2b',
    RequestId: 'req-1',
    LogicalResourceId: 'OperationsTestEventsRegistryResource',
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: REGISTRY }),
    ResourceProperties: { RegistryName: REGISTRY, Description: DESCRIPTION },
  };
}

const notFound = () =>
  new NotFoundException({
    message: 'Registry lambda-testevent-schemas does not exist.',
    Message: 'Registry lambda-testevent-schemas does not exist.',
    Code: 'NotFound',
    $metadata: {},
  });
const handler = () => createHandler({ client: new SchemasClient({ region: 'ap-northeast-1' }) });
const calls = () => schemas.calls().map((c) => [c.args[0].constructor.name, c.args[0].input]);

describe('the test-event registry custom resource', () => {
  it('creates the registry when it is missing', async () => {
    schemas.on(DescribeRegistryCommand).rejects(notFound());
    schemas.on(CreateRegistryCommand).resolves({ RegistryName: REGISTRY });
    const response = await handler()(event('Create'));
    expect(calls()).toEqual([
      ['DescribeRegistryCommand', { RegistryName: REGISTRY }],
      ['CreateRegistryCommand', { RegistryName: REGISTRY, Description: DESCRIPTION }],
    ]);
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: REGISTRY, Data: { Outcome: 'created' } });
  });

  it('leaves an existing registry alone: a describe and no create', async () => {
    schemas.on(DescribeRegistryCommand).resolves({ RegistryName: REGISTRY });
    const response = await handler()(event('Create'));
    expect(calls()).toEqual([['DescribeRegistryCommand', { RegistryName: REGISTRY }]]);
    expect(response).toMatchObject({ Status: 'SUCCESS', Data: { Outcome: 'existing' } });
  });

  it('succeeds when another stack creates it at the same moment (ConflictException on create)', async () => {
    schemas.on(DescribeRegistryCommand).rejects(notFound());
    schemas
      .on(CreateRegistryCommand)
      .rejects(
        new ConflictException({ message: 'Registry already exists', Message: 'Registry already exists', Code: 'Conflict', $metadata: {} }),
      );
    const response = await handler()(event('Create'));
    expect(calls().map(([name]) => name)).toEqual(['DescribeRegistryCommand', 'CreateRegistryCommand']);
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: REGISTRY, Data: { Outcome: 'existing' } });
  });

  it('makes sure of it again on an update, under the same physical id (no replacement, so no delete)', async () => {
    schemas.on(DescribeRegistryCommand).rejects(notFound());
    schemas.on(CreateRegistryCommand).resolves({ RegistryName: REGISTRY });
    const response = await handler()(event('Update'));
    expect(calls().map(([name]) => name)).toEqual(['DescribeRegistryCommand', 'CreateRegistryCommand']);
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: REGISTRY });
  });

  it('makes no call at all on delete: the registry holds the whole account region test events', async () => {
    const response = await handler()(event('Delete'));
    expect(schemas.calls()).toHaveLength(0);
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: REGISTRY, Data: { Outcome: 'untouched' } });
  });

  it('answers FAILED with the reason (and answers at all) when it may not describe the registry', async () => {
    schemas
      .on(DescribeRegistryCommand)
      .rejects(new ForbiddenException({ message: 'not authorized', Message: 'not authorized', Code: 'Forbidden', $metadata: {} }));
    const response = await handler()(event('Create'), { logStreamName: '2026/12/04/[$LATEST]abc' });
    expect(calls().map(([name]) => name)).toEqual(['DescribeRegistryCommand']);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      'schema registry lambda-testevent-schemas: ForbiddenException: not authorized (log stream 2026/12/04/[$LATEST]abc)',
    );
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toMatchObject({ Status: 'FAILED' });
  });

  it('PUTs its answer to the response URL with an empty Content-Type, as the pre-signed URL was signed', async () => {
    schemas.on(DescribeRegistryCommand).resolves({ RegistryName: REGISTRY });
    await handler()(event('Create'));
    expect(received).toHaveLength(1);
    const [put] = received;
    expect(put!.method).toBe('PUT');
    expect(put!.headers['content-type']).toBe('');
    expect(put!.body).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: REGISTRY,
      StackId: 'arn:aws:cloudformation:ap-northeast-1:123456789012:stack/OpsAutopilot/1a2b',
      RequestId: 'req-1',
      LogicalResourceId: 'OperationsTestEventsRegistryResource',
      Data: { Outcome: 'existing' },
    });
  });

  it('tries the answer again when the response URL fails, and gives up after the last attempt', async () => {
    failNext = [503, 500];
    await sendResponse(responseUrl, { Status: 'SUCCESS', PhysicalResourceId: 'x', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' });
    expect(received).toHaveLength(3);
    failNext = [503, 503];
    await expect(
      sendResponse(responseUrl, { Status: 'SUCCESS', PhysicalResourceId: 'x', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' }, 2),
    ).rejects.toThrow('the response URL answered 503');
  });

  it('refuses an event without a registry name as FAILED, calling nothing', async () => {
    const response = await handler()({ ...event('Create'), ResourceProperties: {} });
    expect(schemas.calls()).toHaveLength(0);
    expect(response).toMatchObject({ Status: 'FAILED', Reason: 'RegistryName: missing' });
  });
});
