import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Stack, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OpsAutopilotStack } from '../../lib/ops-autopilot-stack.js';
import { scratch, synthesizeApp, testApp } from './support/cdk-app.js';
import type { Config } from '../../functions/kinds/config.js';
import { loadConfigFile } from '../../functions/kinds/config.js';
import { channelsToDeploy } from '../../functions/core/delivery/registry.js';

const ACCOUNT = '123456789012';
const REGION = 'ap-northeast-1';
const FIXTURE = join(import.meta.dirname, 'fixtures', 'stack.config.ts');

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;
interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: Array<{ constructPath?: string }>;
}

/** Every violation (error or warning, cdk-nag's or CDK's own annotations) left in the cloud assembly's report. */
function violationsIn(reportFile: string): Array<[plugin: string, rule: string, severity: string, paths: string[]]> {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: Array<{ pluginName: string; violations?: Violation[] }> };
  return report.pluginReports.flatMap((r) =>
    (r.violations ?? []).map(
      (v) =>
        [r.pluginName, v.ruleName, v.severity, v.violatingConstructs.map((c) => c.constructPath ?? '?')] as [
          string,
          string,
          string,
          string[],
        ],
    ),
  );
}

/** A whole-stack synth bundles every function and stages the backup image: minutes on a loaded 2-core machine. */
const SYNTH_TIMEOUT_MS = 300_000;

describe('OpsAutopilotStack synthesized from the fixture config', () => {
  const dirs = scratch();
  let config: Config;
  let stack: OpsAutopilotStack;
  let template: Template;
  let resources: Resources;
  let assemblyDir: string;
  let assetDir: string;

  const idOf = (type: string, pathPart: string): string => {
    const found = Object.entries(resources).filter(([id, r]) => r.Type === type && id.startsWith(pathPart));
    expect(
      found.map(([id]) => id),
      `${type} ${pathPart}`,
    ).toHaveLength(1);
    return found[0]![0];
  };
  const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

  beforeAll(async () => {
    config = await loadConfigFile(FIXTURE, { forDeployment: true });
    ({ stack, template, resources, assemblyDir } = synthesizeApp(config, dirs));
    const fn = resources[idOf('AWS::Lambda::Function', 'HealthFunction')]!;
    assetDir = join(assemblyDir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
  }, SYNTH_TIMEOUT_MS);

  afterAll(() => dirs.cleanup());

  it('is named OpsAutopilot', () => {
    expect(stack.stackName).toBe('OpsAutopilot');
  });

  describe('bucket', () => {
    it('gives the 90-day and 7-day databases their own rules, and no 30-day rule covers them', () => {
      const bucket = resources[idOf('AWS::S3::Bucket', 'StorageBucket')]!;
      const rules: Array<{ Prefix?: string; ExpirationInDays?: number }> = bucket.Properties.LifecycleConfiguration.Rules;
      const expiring = rules.filter((r) => r.ExpirationInDays !== undefined).map((r) => [r.Prefix, r.ExpirationInDays]);
      expect(expiring).toEqual([
        ['backups/mycats/main/', 90],
        ['backups/cafemuji/cafemuji/', 30],
        ['backups/cafemuji/reports/', 7],
        ['backups/shiojiri/', 30],
        // The status page's day documents, rolled up two days later (the roll-ups under history/rollup/ are pruned by the job).
        ['history/days/', 10],
      ]);
      for (const key of [
        'backups/mycats/main/x.dump',
        'backups/cafemuji/cafemuji/x.dump',
        'backups/cafemuji/reports/x.dump',
        'backups/shiojiri/rainbow/x.dump',
      ]) {
        expect(
          expiring.filter(([prefix]) => key.startsWith(prefix as string)),
          key,
        ).toHaveLength(1);
      }
      expect(rules).toContainEqual(
        expect.objectContaining({
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          NoncurrentVersionExpiration: { NoncurrentDays: 7 },
        }),
      );
    });

    it('is versioned, encrypted, private and TLS-only', () => {
      const id = idOf('AWS::S3::Bucket', 'StorageBucket');
      const bucket = resources[id]!;
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
        'AES256',
      );
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policy = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: id } } }))[0]!;
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });
  });

  describe('alert topics', () => {
    it('makes five topics encrypted with the stack key', () => {
      const key = idOf('AWS::KMS::Key', 'AlertsKey');
      const topics = Object.values(template.findResources('AWS::SNS::Topic'));
      expect(topics).toHaveLength(5);
      for (const t of topics) expect(t.Properties.KmsMasterKeyId).toEqual(arnOf(key));
    });

    it('subscribes the config subscribers to their topics', () => {
      const topicId = (name: string) => idOf('AWS::SNS::Topic', `Alerts${name}`);
      const subs = Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => [
        s.Properties.TopicArn.Ref,
        s.Properties.Protocol,
        s.Properties.Endpoint,
      ]);
      expect(subs.sort()).toEqual(
        [
          [topicId('Critical'), 'email', 'oncall@example.com'],
          [topicId('Critical'), 'sms', '+819012345678'],
          [topicId('Critical'), 'https', 'https://hooks.example.com/autopilot'],
          [topicId('High'), 'email', 'oncall@example.com'],
          [topicId('High'), 'sqs', 'arn:aws:sqs:ap-northeast-1:123456789012:autopilot-high'],
          [topicId('Digest'), 'email', 'team@example.com'],
        ].sort(),
      );
    });
  });

  describe('nothing lost in delivery (issue 18)', () => {
    it('gives every subscription a redrive policy to the delivery dead-letter queue, whose alarm is in the stack', () => {
      const dlq = idOf('AWS::SQS::Queue', 'AlertsDeliveryDeadLetters');
      const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription'));
      expect(subscriptions).toHaveLength(6);
      for (const sub of subscriptions) {
        expect(sub.Properties.RedrivePolicy, `${sub.Properties.Protocol} ${sub.Properties.Endpoint}`).toEqual({
          deadLetterTargetArn: arnOf(dlq),
        });
      }
      expect(resources[dlq]!.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
      const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
        (a) => a.Properties.AlarmName === 'OpsAutopilot-delivery-dead-letters',
      )!;
      expect(alarm.Properties.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }]);
    });

    it('makes every schedule wait for the schedule role policy', () => {
      const policy = idOf('AWS::IAM::Policy', 'ScheduleRoleDefaultPolicy');
      const schedules = Object.entries(template.findResources('AWS::Scheduler::Schedule'));
      expect(schedules.length).toBeGreaterThan(5);
      for (const [id, schedule] of schedules) expect(schedule.DependsOn, id).toContain(policy);
    });
  });

  describe('health schedules', () => {
    const schedulesOf = (fnPath: string) =>
      Object.values(template.findResources('AWS::Scheduler::Schedule')).filter(
        (s) => JSON.stringify(s.Properties.Target.Arn) === JSON.stringify(arnOf(idOf('AWS::Lambda::Function', fnPath))),
      );

    it('makes one schedule per distinct interval ("300s" joins "5m") in the config timezone', () => {
      const schedules = schedulesOf('HealthFunction').map((s) => [
        s.Properties.ScheduleExpression,
        s.Properties.ScheduleExpressionTimezone,
        JSON.parse(s.Properties.Target.Input),
      ]);
      expect(schedules).toEqual([
        ['cron(0/1 * * * ? *)', 'Asia/Tokyo', { source: 'schedule', every: '1m' }],
        ['cron(0/5 * * * ? *)', 'Asia/Tokyo', { source: 'schedule', every: '5m' }],
        ['cron(0 * * * ? *)', 'Asia/Tokyo', { source: 'schedule', every: '1h' }],
      ]);
    });

    it('retries twice within the interval, then sends to the dead-letter queue', () => {
      const dlq = idOf('AWS::SQS::Queue', 'ScheduleDeadLetters');
      const fn = idOf('AWS::Lambda::Function', 'HealthFunction');
      const targets = schedulesOf('HealthFunction').map((s) => s.Properties.Target);
      expect(targets.map((t) => t.RetryPolicy)).toEqual([
        { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
        { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      ]);
      for (const t of targets) {
        expect(t.DeadLetterConfig).toEqual({ Arn: arnOf(dlq) });
        expect(t.Arn).toEqual(arnOf(fn));
      }
      expect(resources[dlq]!.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
      const queuePolicy = Object.values(template.findResources('AWS::SQS::QueuePolicy'))[0]!;
      expect(queuePolicy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('sends the daily digest once a day at the configured time, in the config timezone', () => {
      const digest = schedulesOf('DigestFunction').map((s) => [
        s.Properties.ScheduleExpression,
        s.Properties.ScheduleExpressionTimezone,
        JSON.parse(s.Properties.Target.Input),
      ]);
      expect(digest).toEqual([[`cron(0 9 * * ? *)`, 'Asia/Tokyo', { source: 'schedule' }]]);
      expect(schedulesOf('DigestFunction')[0]!.Properties.Target.RetryPolicy).toEqual({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 86400,
      });
    });

    it('invokes through a role that can call the job functions and write the dead-letter queue, nothing else', () => {
      const role = idOf('AWS::IAM::Role', 'ScheduleRole');
      const fn = idOf('AWS::Lambda::Function', 'HealthFunction');
      const digest = idOf('AWS::Lambda::Function', 'DigestFunction');
      const backup = idOf('AWS::Lambda::Function', 'BackupFunction');
      const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }))[0]!;
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          // Exactly the functions' ARNs (issue 12): no `:*` for versions and aliases Scheduler never invokes.
          Resource: [arnOf(backup), arnOf(digest), arnOf(fn)],
        },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arnOf(idOf('AWS::SQS::Queue', 'ScheduleDeadLetters')) },
      ]);
      expect(resources[role]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': ACCOUNT },
            ArnLike: {
              'aws:SourceArn': [
                `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/default`,
                `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/*`,
              ],
            },
          },
        },
      ]);
    });
  });

  describe('health function', () => {
    it('runs Node.js 24 on arm64 with the stack environment and its own log group', () => {
      const fn = resources[idOf('AWS::Lambda::Function', 'HealthFunction')]!;
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.MemorySize).toBe(512);
      expect(fn.Properties.Timeout).toBe(60);
      expect(fn.Properties.Handler).toBe('index.handler');
      const env = fn.Properties.Environment.Variables;
      expect(Object.keys(env).sort()).toEqual([
        'AUTOPILOT_BUCKET',
        'AUTOPILOT_CHANNELS',
        'AUTOPILOT_DASHBOARD_URL',
        'AUTOPILOT_LINK_KEY_SECRET',
        'AUTOPILOT_STATUS_URL',
        'AUTOPILOT_TOPIC_ARNS',
        'NODE_OPTIONS',
        'POWERTOOLS_SERVICE_NAME',
      ]);
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('autopilot-health');
      // The status page link every notice carries: the page function's URL, and the key's secret to sign it with.
      expect(env.AUTOPILOT_STATUS_URL).toEqual({
        'Fn::GetAtt': [idOf('AWS::Lambda::Url', 'StatusPageFunctionFunctionUrl'), 'FunctionUrl'],
      });
      expect(env.AUTOPILOT_LINK_KEY_SECRET).toEqual({ Ref: idOf('AWS::SecretsManager::Secret', 'StatusPageLinkKey') });
      // The channels the registry switches on for this config, by name, and each one's own variables.
      expect(env.AUTOPILOT_CHANNELS).toBe(
        channelsToDeploy(config)
          .map((c) => c.name)
          .join(','),
      );
      expect(env.AUTOPILOT_CHANNELS).toBe('sns');
      expect(env.AUTOPILOT_BUCKET).toEqual({ Ref: idOf('AWS::S3::Bucket', 'StorageBucket') });
      // The JSON object of topic ARNs, joined by CloudFormation: parse it with the Refs as placeholders.
      const joined = (env.AUTOPILOT_TOPIC_ARNS['Fn::Join'][1] as Array<string | { Ref: string }>)
        .map((p) => (typeof p === 'string' ? p : `ref:${p.Ref}`))
        .join('');
      expect(JSON.parse(joined)).toEqual({
        critical: `ref:${idOf('AWS::SNS::Topic', 'AlertsCritical')}`,
        high: `ref:${idOf('AWS::SNS::Topic', 'AlertsHigh')}`,
        medium: `ref:${idOf('AWS::SNS::Topic', 'AlertsMedium')}`,
        low: `ref:${idOf('AWS::SNS::Topic', 'AlertsLow')}`,
        digest: `ref:${idOf('AWS::SNS::Topic', 'AlertsDigest')}`,
      });
      const logs = idOf('AWS::Logs::LogGroup', 'HealthFunctionLogs');
      expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logs } });
      expect(resources[logs]!.Properties.RetentionInDays).toBe(90);
    });

    it('has a role without managed policies and exactly the statements the job needs', () => {
      const role = idOf('AWS::IAM::Role', 'HealthFunctionRole');
      expect(resources[role]!.Properties.ManagedPolicyArns).toBeUndefined();
      const bucket = idOf('AWS::S3::Bucket', 'StorageBucket');
      const topic = (name: string) => ({ Ref: idOf('AWS::SNS::Topic', `Alerts${name}`) });
      const objects = (prefix: string) => ({ 'Fn::Join': ['', [arnOf(bucket), `/${prefix}*`]] });
      const parameter = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name}`;
      const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }))[0]!;
      const statements = policy.Properties.PolicyDocument.Statement.map((s: { Resource: unknown }) =>
        Array.isArray(s.Resource)
          ? { ...s, Resource: [...s.Resource].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) }
          : s,
      );
      const sorted = (xs: unknown[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: arnOf(idOf('AWS::Logs::LogGroup', 'HealthFunctionLogs')),
        },
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], Resource: objects('state/') },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: arnOf(bucket),
          Condition: { StringLike: { 's3:prefix': ['backups/*', 'history/*', 'state/*'] } },
        },
        // The previous versions of a damaged alert state, to recover it from (issue 12).
        {
          Effect: 'Allow',
          Action: 's3:ListBucketVersions',
          Resource: arnOf(bucket),
          Condition: { StringLike: { 's3:prefix': ['state/alerts/*'] } },
        },
        // Its own expired delivery records (issue 19), and nothing else under state/.
        { Effect: 'Allow', Action: 's3:DeleteObject', Resource: { 'Fn::Join': ['', [arnOf(bucket), '/state/alerts/*.delivery.*']] } },
        // Manifests only (issue 12): the health job never reads a whole dump.
        { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [arnOf(bucket), '/backups/*.json']] } },
        // The status page's history (issue 23): read, merge and write back each run's day, roll up, drop aged-out days...
        {
          Effect: 'Allow',
          Action: ['s3:DeleteObject', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
          Resource: objects('history/'),
        },
        // ... an earlier version of a damaged roll-up ...
        {
          Effect: 'Allow',
          Action: 's3:ListBucketVersions',
          Resource: arnOf(bucket),
          Condition: { StringLike: { 's3:prefix': ['history/rollup/*'] } },
        },
        // ... and the page it regenerates (written only: nothing under status/ is read by this role).
        { Effect: 'Allow', Action: 's3:PutObject', Resource: objects('status/') },
        // Signing the status page link its notices carry.
        {
          Effect: 'Allow',
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          Resource: { Ref: idOf('AWS::SecretsManager::Secret', 'StatusPageLinkKey') },
        },
        { Effect: 'Allow', Action: 'sns:Publish', Resource: sorted([topic('Critical'), topic('High'), topic('Medium'), topic('Low')]) },
        { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: arnOf(idOf('AWS::KMS::Key', 'AlertsKey')) },
        {
          Effect: 'Allow',
          Action: 'ssm:GetParameter',
          Resource: sorted([
            parameter('autopilot/mycats/db-password'),
            parameter('cafemuji-db-password'),
            parameter('autopilot/shiojiri/db'),
          ]),
        },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`,
          Condition: { StringEquals: { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` } },
        },
        // Lambda sends a run it gives up on (failed, or throttled past its event age) to the dead-letter queue as the function
        // (SqsDestination's grant).
        {
          Effect: 'Allow',
          Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          Resource: arnOf(idOf('AWS::SQS::Queue', 'ScheduleDeadLetters')),
        },
      ]);
    });

    it('bundles an ES module that loads under Node and exports the handler, with the validated config inside', async () => {
      const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith("import { createRequire } from 'module';")).toBe(true);
      const embedded = JSON.parse(readFileSync(join(dirs.entriesDir, 'health.config.json'), 'utf8'));
      expect(embedded).toEqual(JSON.parse(JSON.stringify(config)));
      // As at a cold start: the stack's environment is set before the module loads.
      vi.stubEnv('AUTOPILOT_BUCKET', 'autopilot-test-bucket');
      vi.stubEnv('AUTOPILOT_CHANNELS', 'sns');
      vi.stubEnv(
        'AUTOPILOT_TOPIC_ARNS',
        JSON.stringify(
          Object.fromEntries(['critical', 'high', 'medium', 'low', 'digest'].map((t) => [t, `arn:aws:sns:${REGION}:${ACCOUNT}:${t}`])),
        ),
      );
      const module = (await import(pathToFileURL(join(assetDir, 'index.mjs')).href)) as { handler?: unknown };
      vi.unstubAllEnvs();
      expect(typeof module.handler).toBe('function');
    });
  });

  it('outputs the bucket name, the five topic ARNs and the function name', () => {
    expect(Object.keys(artifactOutputs()).sort()).toEqual(
      [
        'BackupFunctionName',
        'BucketName',
        'CriticalTopicArn',
        'DeliveryDeadLetterQueueUrl',
        'DigestTopicArn',
        'DigestFunctionName',
        'HealthFunctionName',
        'HighTopicArn',
        'LowTopicArn',
        'MediumTopicArn',
        'QueriesUrl',
        // The status page function's URL (issue 23); the public page's only with statusPage.public.
        'StatusPageUrl',
      ].sort(),
    );
    expect(artifactOutputs().StatusPageUrl.Value).toEqual({
      'Fn::GetAtt': [idOf('AWS::Lambda::Url', 'StatusPageFunctionFunctionUrl'), 'FunctionUrl'],
    });
    expect(artifactOutputs().HealthFunctionName.Value).toEqual({ Ref: idOf('AWS::Lambda::Function', 'HealthFunction') });
  });
  const artifactOutputs = () => template.toJSON().Outputs as Record<string, { Value: unknown }>;

  describe('template fixes of issue 12, read from the synthesized template', () => {
    /** A role's policy statements, with `Fn::Join` ARNs rendered as text (`<Id.Arn>/backups/*.json`). */
    const statementsOf = (rolePrefix: string) => {
      const role = idOf('AWS::IAM::Role', rolePrefix);
      const render = (r: unknown): string => {
        if (typeof r === 'string') return r;
        const v = r as Record<string, any>;
        if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(render).join('');
        if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'].join('.')}>`;
        if (v.Ref) return `<${v.Ref}>`;
        return JSON.stringify(r);
      };
      return Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } })).flatMap((p) =>
        (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>).map((st) => ({
          actions: [st.Action].flat(),
          resources: [st.Resource].flat().map(render),
        })),
      );
    };
    /** Whether an IAM resource pattern (`*` spans `/`) covers an object key of the suite bucket. */
    const allowsGet = (rolePrefix: string, key: string) => {
      const bucket = `<${idOf('AWS::S3::Bucket', 'StorageBucket')}.Arn>`;
      return statementsOf(rolePrefix).some(
        (st) =>
          st.actions.some((a) => a === 's3:GetObject' || a === 's3:*') &&
          st.resources.some((r) =>
            new RegExp(`^${r.replace(/[.?+^$(){}[\]|\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(`${bucket}/${key}`),
          ),
      );
    };
    const archive = 'backups/mycats/main/2026/11/23/mycats-main-20261123T020000.000Z.dump';
    const manifest = 'backups/mycats/main/2026/11/23/mycats-main-20261123T020000.000Z.json';

    it('lets CloudWatch alarms of this account and stack publish to the critical topic', () => {
      const critical = idOf('AWS::SNS::Topic', 'AlertsCritical');
      const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((p) =>
        JSON.stringify(p.Properties.Topics).includes(critical),
      );
      expect(policies).toHaveLength(1);
      const allows = (policies[0]!.Properties.PolicyDocument.Statement as Array<Record<string, any>>).filter(
        (st) => st.Effect === 'Allow' && st.Principal?.Service === 'cloudwatch.amazonaws.com',
      );
      expect(allows).toEqual([
        {
          Sid: 'CloudWatchAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: critical },
          Condition: {
            StringEquals: { 'aws:SourceAccount': ACCOUNT },
            ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:OpsAutopilot-*` },
          },
        },
      ]);
      // And every alarm action goes to that topic under a name the condition matches; the alarm on undelivered notices
      // goes to the topics reaching the other subscribers too (the SQS queue on high, team@ on digest).
      for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
        expect(alarm.Properties.AlarmName).toMatch(/^OpsAutopilot-/);
        expect(alarm.Properties.AlarmActions, alarm.Properties.AlarmName).toEqual(
          alarm.Properties.AlarmName === 'OpsAutopilot-delivery-dead-letters'
            ? [{ Ref: critical }, { Ref: idOf('AWS::SNS::Topic', 'AlertsHigh') }, { Ref: idOf('AWS::SNS::Topic', 'AlertsDigest') }]
            : [{ Ref: critical }],
        );
      }
    });

    it('gives every function an async invoke config: health 0 retries within its interval, the others the DLQ', () => {
      const dlq = arnOf(idOf('AWS::SQS::Queue', 'ScheduleDeadLetters'));
      const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'));
      // The status page function is only ever called through its URL, synchronously: no asynchronous invocation to configure.
      const functions = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => !id.startsWith('StatusPageFunction'));
      expect(functions.length).toBe(Object.keys(template.findResources('AWS::Lambda::Function')).length - 1);
      expect(configs.map((c) => c.Properties.FunctionName.Ref).sort()).toEqual([...functions].sort());
      const configOf = (fn: string) => configs.find((c) => c.Properties.FunctionName.Ref === idOf('AWS::Lambda::Function', fn))!.Properties;
      expect(configOf('HealthFunction')).toEqual({
        FunctionName: { Ref: idOf('AWS::Lambda::Function', 'HealthFunction') },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: dlq } },
      });
      for (const fn of ['DigestFunction', 'BackupFunction']) {
        expect(configOf(fn).DestinationConfig, fn).toEqual({ OnFailure: { Destination: dlq } });
      }
    });

    it('lets health and digest read backup manifests but never an archive; the backup job reads both', () => {
      for (const role of ['HealthFunctionRole', 'DigestFunctionRole']) {
        expect(allowsGet(role, manifest), role).toBe(true);
        expect(allowsGet(role, archive), role).toBe(false);
        expect(allowsGet(role, archive.replace('.dump', '.sqlite.gz')), role).toBe(false);
      }
      expect(allowsGet('BackupRole', archive)).toBe(true);
    });

    it('lets the Scheduler role invoke exactly the function ARNs, trusted only for this account and its schedules', () => {
      const resources = statementsOf('ScheduleRole').flatMap((st) => st.resources);
      expect(resources.filter((r) => r.endsWith(':*'))).toEqual([]);
      const trust = resources.length && resourcesTrust();
      expect(trust).toEqual({
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: { 'aws:SourceArn': expect.arrayContaining([`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/*`]) },
      });
    });
    const resourcesTrust = () =>
      resources[idOf('AWS::IAM::Role', 'ScheduleRole')]!.Properties.AssumeRolePolicyDocument.Statement[0].Condition as unknown;
  });

  describe('cdk-nag AwsSolutions', () => {
    it('leaves no unacknowledged finding in the validation report', () => {
      expect(violationsIn(join(assemblyDir, 'validation-report.json'))).toEqual([]);
    });

    it('acknowledges only named findings, each with a reason', () => {
      const acks: Array<[string, string, string]> = [];
      for (const c of stack.node.findAll()) {
        for (const m of c.node.metadata) {
          if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          for (const [id, reason] of Object.entries(m.data as Record<string, string>))
            acks.push([c.node.path, id.replace(/^annotation::/i, ''), reason]);
        }
      }
      for (const [, , reason] of acks) expect(reason.length).toBeGreaterThan(40);
      const bucket = idOf('AWS::S3::Bucket', 'StorageBucket');
      expect(acks.map(([path, id]) => [path, id]).sort()).toEqual(
        [
          ['OpsAutopilot/Storage/AccessLogs', 'AwsSolutions-S1'],
          ['OpsAutopilot/ScheduleDeadLetters', 'AwsSolutions-SQS3'],
          ['OpsAutopilot/Alerts/DeliveryDeadLetters', 'AwsSolutions-SQS3'],
          ['OpsAutopilot/HealthFunctionRole', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/state/*]`],
          ['OpsAutopilot/HealthFunctionRole', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/state/alerts/*.delivery.*]`],
          ['OpsAutopilot/HealthFunctionRole', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/backups/*.json]`],
          ['OpsAutopilot/HealthFunctionRole', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/history/*]`],
          ['OpsAutopilot/HealthFunctionRole', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/status/*]`],
          ['OpsAutopilot/StatusPage/LinkKey', 'AwsSolutions-SMG4'],
          ['OpsAutopilot/HealthFunctionRole', 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]'],
          ['OpsAutopilot/HealthFunctionRole', `AwsSolutions-IAM5[Resource::arn:aws:kms:${REGION}:${ACCOUNT}:key/*]`],
          ['OpsAutopilot/DigestFunctionRole', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/state/*]`],
          ['OpsAutopilot/DigestFunctionRole', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/backups/*.json]`],
          ['OpsAutopilot/DigestFunctionRole', 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]'],
          ['OpsAutopilot/Backup/Role', 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]'],
          ['OpsAutopilot/Backup/Role', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/backups/*]`],
          ['OpsAutopilot/Backup/Role', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/state/*]`],
          ['OpsAutopilot/Backup/Role', `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/state/alerts/*.delivery.*]`],
          ['OpsAutopilot/Backup/Role', `AwsSolutions-IAM5[Resource::arn:aws:kms:${REGION}:${ACCOUNT}:key/*]`],
        ].sort(),
      );
    });

    it('does report a finding in the same report file when one exists (control)', () => {
      const control = scratch();
      try {
        const app = testApp({ outdir: control.outdir, cfnValidation: false });
        new sqs.Queue(new Stack(app, 'Control'), 'PlainQueue');
        Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
        expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
        const rules = violationsIn(join(control.outdir, 'validation-report.json')).map(([, rule]) => rule);
        expect(rules).toContain('AwsSolutions-SQS4');
      } finally {
        control.cleanup();
      }
    });
  });
});
