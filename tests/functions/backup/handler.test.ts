import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { S3ObjectStore } from '../../../functions/core/adapters/s3/s3-object-store.js';
import { createHandler } from '../../../functions/backup/handler.js';
import { PostgresCluster } from '../../support/postgres-cluster.js';
import { S3TestServer } from '../../support/s3-server.js';
import { seedRealisticDatabase } from './support/fixtures.js';

const TOPICS = {
  critical: 'arn:aws:sns:ap-northeast-1:123456789012:critical',
  high: 'arn:aws:sns:ap-northeast-1:123456789012:high',
  medium: 'arn:aws:sns:ap-northeast-1:123456789012:medium',
  low: 'arn:aws:sns:ap-northeast-1:123456789012:low',
  digest: 'arn:aws:sns:ap-northeast-1:123456789012:digest',
};

describe('backup Lambda handler (S3 protocol server, SSM and SNS mocked)', () => {
  const ssm = mockClient(SSMClient);
  const sns = mockClient(SNSClient);
  let cluster: PostgresCluster;
  let s3: S3TestServer;
  let saved: NodeJS.ProcessEnv;
  let handler: ReturnType<typeof createHandler>;
  const lambdaContext = { getRemainingTimeInMillis: () => 14 * 60_000 };

  beforeAll(async () => {
    [cluster, s3] = await Promise.all([PostgresCluster.start(), S3TestServer.start()]);
    await seedRealisticDatabase(cluster, 'mycats');
    saved = { ...process.env };
    Object.assign(process.env, {
      AUTOPILOT_BUCKET: s3.bucket,
      AUTOPILOT_CHANNELS: 'sns',
      AUTOPILOT_TOPIC_ARNS: JSON.stringify(TOPICS),
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: 'ap-northeast-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    delete process.env.AUTOPILOT_BACKUP_DOCUMENT;
    handler = createHandler({
      timezone: 'Asia/Tokyo',
      targets: {
        mycats: {
          postgres: [
            {
              host: '127.0.0.1',
              port: cluster.port,
              ssl: false,
              database: 'mycats',
              user: cluster.superuser,
              passwordParameter: '/mycats/db-password',
              backup: {},
            },
          ],
        },
        broken: {
          postgres: [
            {
              host: '127.0.0.1',
              port: cluster.port,
              ssl: false,
              database: 'mycats',
              user: cluster.superuser,
              passwordParameter: '/broken/db-password',
              backup: {},
            },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    process.env = saved;
    await Promise.all([cluster?.stop(), s3?.destroy()]);
  });

  beforeEach(() => {
    ssm.reset();
    sns.reset();
    ssm
      .on(GetParameterCommand, { Name: '/mycats/db-password' })
      .resolves({ Parameter: { Name: '/mycats/db-password', Value: cluster.password, Type: 'SecureString' } });
    ssm
      .on(GetParameterCommand, { Name: '/broken/db-password' })
      .resolves({ Parameter: { Name: '/broken/db-password', Value: 'rotated-but-not-updated', Type: 'SecureString' } });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('backs up the database a schedule names, reading the password from SSM with decryption', async () => {
    const report = await handler({ source: 'schedule', targets: ['mycats'], database: 'mycats' }, lambdaContext);
    expect(report.job).toBe('backup');
    expect(report.findings).toEqual([expect.objectContaining({ target: 'mycats', check: 'mycats', kind: 'backup', severity: 'ok' })]);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/mycats/db-password', WithDecryption: true },
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    const keys = (await new S3ObjectStore(s3.bucket, s3.client()).list('backups/mycats/mycats/')).map((o) => o.key);
    expect(keys.filter((k) => k.endsWith('.dump'))).toHaveLength(1);
    expect(keys.filter((k) => k.endsWith('.json'))).toHaveLength(1);
  });

  it('a console test event backs up now and a failure alerts the high topic on the first run', async () => {
    const report = await handler({ targets: ['broken'] }, lambdaContext);
    expect(report.findings).toEqual([expect.objectContaining({ target: 'broken', severity: 'high' })]);
    expect(report.findings[0]!.summary).toMatch(/password authentication failed/);
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ TopicArn: TOPICS.high });
    expect(JSON.stringify(published)).not.toContain('rotated-but-not-updated');
    expect(report.notifications).toEqual([expect.objectContaining({ topic: 'high', severity: 'high' })]);
    expect(await new S3ObjectStore(s3.bucket, s3.client()).list('backups/broken/')).toEqual([]);
  });

  it('names the offending field of a bad event', async () => {
    await expect(handler({ targets: ['nope'] }, lambdaContext)).rejects.toThrow(
      /event\.targets\[0\]: unknown target "nope" \(known: mycats, broken\)/,
    );
    await expect(handler({ source: 'schedule', targets: ['mycats'], database: 'orders' }, lambdaContext)).rejects.toThrow(
      /event\.database: target mycats backs up no database "orders" \(known: mycats\)/,
    );
    await expect(handler({ source: 'schedule', database: 'mycats' }, lambdaContext)).rejects.toThrow(
      /event\.database: give exactly one target with a database/,
    );
    expect(() =>
      createHandler({ targets: { x: { postgres: [{ host: 'h', database: 'd', user: 'u', password: 'inline', backup: {} }] } } }),
    ).toThrow(/targets\.x\.postgres\[0\]\.password: passwords are refused in deployed config/);
  });
});
