import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { BackupJob } from '../../../lib/backup/backup-job.js';
import { HOST_BACKUP_SCRIPT } from '../../../functions/backup/ssm/host-backup-script.js';
import { documentContent } from '../../../lib/ssm/shell-script-document.js';
import { AutopilotBucket } from '../../../lib/s3/autopilot-bucket.js';
import { AlertTopics } from '../../../lib/sns/alert-topics.js';
import { backupPrefix } from '../../../lib/s3/backup-retention.js';
import { databasePrefix } from '../../../functions/core/layout.js';
import { JobSchedule } from '../../../lib/scheduler/job-schedule.js';
import { validateConfig } from '../../../functions/kinds/config.js';
import { imageArchitecture } from '../../../lib/lambda/image-architecture.js';

const config = validateConfig(
  {
    timezone: 'Asia/Tokyo',
    targets: {
      mycats: {
        postgres: [{ host: 'db.mycats.internal', database: 'mycats', user: 'app', passwordParameter: '/mycats/db-password', backup: {} }],
      },
      'system-gear': {
        postgres: [
          {
            name: 'stock',
            host: 'rds.example',
            database: 'stock_import',
            user: 'batch',
            passwordParameter: 'systemgear-db',
            backup: { at: 'cron(30 3 * * ? *)', retentionDays: 90 },
          },
          { name: 'reporting', host: 'rds.example', database: 'reporting', user: 'ro', passwordParameter: '/not/backed/up' },
        ],
      },
      tasks: {
        servers: { tags: { Name: 'task-manager', Env: 'prod' } },
        sqlite: [{ name: 'tasks', path: '/srv/task-manager/instance/tasks.db', backup: { via: 'ssm', at: '03:15' } }],
      },
    },
  },
  { forDeployment: true },
);

describe('BackupJob construct', () => {
  let template: Template;
  let imageDir: string;
  let assets: { dockerImages: Record<string, unknown> };
  let functions: BackupJob['functions'];

  beforeAll(() => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'autopilot-backup-out-')) });
    const stack = new Stack(app, 'BackupTest', { env: { account: '123456789012', region: 'ap-northeast-1' } });
    const bucket = new s3.Bucket(stack, 'Bucket', { versioned: true });
    const topics = new AlertTopics(stack, 'Alerts', { subscribers: {} });
    const dlq = new sqs.Queue(stack, 'Dlq');
    imageDir = mkdtempSync(join(tmpdir(), 'autopilot-image-'));
    const job = new BackupJob(stack, 'Backup', {
      config,
      environment: { AUTOPILOT_BUCKET: bucket.bucketName, AUTOPILOT_TOPIC_ARNS: stack.toJsonString(topics.topicArns) },
      schedule: (fn, id, options) =>
        new JobSchedule(stack, id, {
          function: fn,
          when: options.when,
          timezone: config.timezone,
          input: options.input,
          description: options.description,
          deadLetterQueue: dlq,
        }),
      deadLetterQueue: dlq,
      imageDirectory: imageDir,
      entriesDir: join(imageDir, 'entries'),
      architecture: imageArchitecture('arm64'),
    });
    job.bind(AutopilotBucket.fromBucket(bucket), topics);
    // Synthesis stages the image context and never runs Docker.
    template = Template.fromStack(stack);
    assets = JSON.parse(readFileSync(join(app.synth().directory, 'BackupTest.assets.json'), 'utf8'));
    functions = job.functions;
  });

  it('has one function outside the VPC for everything when the config has no network', () => {
    expect(functions.map((f) => [f.name, f.invokedByCli])).toEqual([[undefined, undefined]]);
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(1);
    expect(readdirSync(imageDir).sort()).toEqual(['backup', 'entries']);
  });

  it('builds the image for the architecture the function runs on: --platform and IMAGE_ARCH say the same', () => {
    const images = Object.values(assets.dockerImages as Record<string, { source: Record<string, unknown> }>).map((d) => d.source);
    expect(images).toEqual([expect.objectContaining({ platform: 'linux/arm64', dockerBuildArgs: { IMAGE_ARCH: 'arm64' } })]);
  });

  it('is a container-image function on arm64 with 1 GiB and 15 minutes', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      PackageType: 'Image',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 900,
      Code: { ImageUri: Match.anyValue() },
      Environment: { Variables: Match.objectLike({ AUTOPILOT_BACKUP_DOCUMENT: { Ref: Match.stringLikeRegexp('HostBackupDocument') } }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('Dlq'), 'Arn'] } } },
    });
    expect(readFileSync(join(imageDir, 'backup', 'Dockerfile'), 'utf8')).toMatch(
      new RegExp(
        [
          /FROM public\.ecr\.aws\/lambda\/nodejs:24/,
          /dnf install -y "postgresql\$\{PG_MAJOR\}"/,
          /check-pg-dump\.sh pg_dump/,
          /CMD \["index\.handler"\]/,
        ]
          .map((r) => r.source)
          .join('[\\s\\S]*'),
      ),
    );
    expect(existsSync(join(imageDir, 'backup', 'index.mjs'))).toBe(true);
  });

  it('bundles a handler that validates events against the embedded config', async () => {
    const { handler } = (await import(pathToFileURL(join(imageDir, 'backup', 'index.mjs')).href)) as {
      handler: (event: unknown) => Promise<unknown>;
    };
    await expect(handler({ targets: ['nope'] })).rejects.toThrow(
      /event\.targets\[0\]: unknown target "nope" \(known: mycats, system-gear, tasks\)/,
    );
    await expect(handler({ source: 'schedule', targets: ['mycats'], database: 'other' })).rejects.toThrow(
      /event\.database: target mycats backs up no database "other" \(known: mycats\)/,
    );
  });

  it('schedules each backed-up database at its time in the config timezone, with retries and the dead-letter queue', () => {
    const schedules = template.findResources('AWS::Scheduler::Schedule');
    const summary = Object.values(schedules)
      .map((r) => {
        const p = r.Properties as {
          ScheduleExpression: string;
          ScheduleExpressionTimezone: string;
          Target: { Input: string; RetryPolicy: unknown; DeadLetterConfig: unknown };
        };
        return {
          expression: p.ScheduleExpression,
          timezone: p.ScheduleExpressionTimezone,
          input: JSON.parse(p.Target.Input) as unknown,
          retry: p.Target.RetryPolicy,
          dlq: !!p.Target.DeadLetterConfig,
        };
      })
      .sort((a, b) => a.expression.localeCompare(b.expression));
    expect(summary).toEqual([
      {
        expression: 'cron(0 2 * * ? *)',
        timezone: 'Asia/Tokyo',
        input: { source: 'schedule', targets: ['mycats'], database: 'mycats' },
        retry: expect.objectContaining({ MaximumRetryAttempts: 2 }),
        dlq: true,
      },
      {
        expression: 'cron(15 3 * * ? *)',
        timezone: 'Asia/Tokyo',
        input: { source: 'schedule', targets: ['tasks'], database: 'tasks' },
        retry: expect.objectContaining({ MaximumRetryAttempts: 2 }),
        dlq: true,
      },
      {
        expression: 'cron(30 3 * * ? *)',
        timezone: 'Asia/Tokyo',
        input: { source: 'schedule', targets: ['system-gear'], database: 'stock' },
        retry: expect.objectContaining({ MaximumRetryAttempts: 2 }),
        dlq: true,
      },
    ]);
  });

  it('scopes S3 to backups/ and state/, and SSM parameters to exactly those of backed-up databases', () => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('BackupRole') }] } });
    const statements = Object.values(policies).flatMap(
      (p) => (p.Properties as { PolicyDocument: { Statement: Array<Record<string, unknown>> } }).PolicyDocument.Statement,
    );
    const bySid = Object.fromEntries(statements.filter((s) => s.Sid).map((s) => [s.Sid as string, s]));

    // The S3 statements come from the bucket's grant methods (grantBackupWrite, grantAlertState), which set no Sid.
    const byResourceEnd = (suffix: string) => statements.find((s) => JSON.stringify(s.Resource).endsWith(`"${suffix}"]]}`));
    expect(byResourceEnd('/backups/*')).toEqual(
      expect.objectContaining({
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: {
          'Fn::Join': ['', [expect.objectContaining({ 'Fn::GetAtt': [expect.stringMatching(/^Bucket/), 'Arn'] }), '/backups/*']],
        },
      }),
    );
    expect(byResourceEnd('/state/*')).toEqual(expect.objectContaining({ Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'] }));
    expect(statements.filter((s) => s.Action === 's3:ListBucket')).toHaveLength(1);
    expect(statements.find((s) => s.Action === 's3:ListBucket')).toEqual(
      expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['backups/*', 'state/*'] } } }),
    );
    const s3Resources = statements.filter((s) => JSON.stringify(s.Action).includes('s3:')).map((s) => JSON.stringify(s.Resource));
    for (const resource of s3Resources) {
      expect(resource).toMatch(/\/backups\/\*|\/state\/\*|\/state\/alerts\/\*\.delivery\.\*|"Fn::GetAtt":\["Bucket[^"]*","Arn"\]\}$/);
    }

    expect(bySid.DatabasePasswords).toEqual(
      expect.objectContaining({
        Action: 'ssm:GetParameter',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:ap-northeast-1:123456789012:parameter/mycats/db-password']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:ap-northeast-1:123456789012:parameter/systemgear-db']] },
        ],
      }),
    );
    expect(JSON.stringify(statements)).not.toContain('not/backed/up');
    expect(bySid.SendToTaggedServers0).toEqual(
      expect.objectContaining({ Condition: { StringEquals: { 'ssm:resourceTag/Name': 'task-manager', 'ssm:resourceTag/Env': 'prod' } } }),
    );
    expect(statements.some((s) => s.Action === 's3:*' || (Array.isArray(s.Action) && s.Action.includes('s3:*')))).toBe(false);
  });

  it('ships the host script as an SSM document whose parameters arrive only as environment variables', () => {
    const content = documentContent(HOST_BACKUP_SCRIPT) as {
      parameters: Record<string, { interpolationType: string; allowedPattern: string }>;
      mainSteps: Array<{ inputs: { runCommand: string[] } }>;
    };
    expect(Object.keys(content.parameters)).toEqual(['kind', 'dbHost', 'dbPort', 'dbUser', 'dbName', 'sqlitePath', 'partSize', 'partUrls']);
    for (const p of Object.values(content.parameters)) expect(p.interpolationType).toBe('ENV_VAR');
    expect(content.mainSteps[0]!.inputs.runCommand[0]).toBe('#!/usr/bin/env bash');
    expect(
      new RegExp(content.parameters.partUrls!.allowedPattern).test(
        'http://127.0.0.1:9000/b/k?X-Amz-Signature=ab%2F&partNumber=1 https://b.s3.amazonaws.com/k?x=1',
      ),
    ).toBe(true);
    expect(new RegExp(content.parameters.partUrls!.allowedPattern).test('https://x/y; rm -rf /')).toBe(false);
    template.hasResourceProperties('AWS::SSM::Document', { DocumentType: 'Command', Content: Match.objectLike({ schemaVersion: '2.2' }) });
  });

  it('uses the key prefix the bucket lifecycle expires per database', () => {
    expect(databasePrefix('system-gear', 'stock')).toBe(backupPrefix('system-gear', 'stock'));
  });
});

describe('BackupJob without the VPC', () => {
  it('refuses a runOn "fargate" database instead of deploying it with no backup', () => {
    const onFargate = validateConfig(
      {
        network: { vpcId: 'vpc-0a1b2c3d4e5f60718', subnetIds: ['subnet-0a1b2c3d4e5f60718'] },
        targets: {
          shop: {
            postgres: [
              { host: 'db.internal', database: 'shop', user: 'dumper', passwordParameter: '/shop/db', backup: { runOn: 'fargate' } },
            ],
          },
        },
      },
      { forDeployment: true },
    );
    const stack = new Stack(new App(), 'FargateWithoutVpc');
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-image-'));
    const build = () =>
      new BackupJob(stack, 'Backup', {
        config: onFargate,
        environment: {},
        schedule: () => {
          throw new Error('no Lambda schedule for a Fargate database');
        },
        deadLetterQueue: new sqs.Queue(stack, 'Dlq'),
        imageDirectory: dir,
        entriesDir: join(dir, 'entries'),
      });
    try {
      expect(build).toThrow('shop/shop: a database in the VPC needs the network (network)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
