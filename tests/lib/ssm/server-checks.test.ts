import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readScript } from '../../../functions/remote/script.js';
import { SERVER_CHECKS } from '../../../functions/ssm-checks/checks.js';
import { ServerChecks } from '../../../lib/ssm/server-checks.js';
import { AutopilotBucket } from '../../../lib/s3/autopilot-bucket.js';
import { AlertTopics } from '../../../lib/sns/alert-topics.js';
import { config as validConfig, scratch, testApp } from '../support/cdk-app.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

const CONFIG = validConfig({
  timezone: 'Asia/Tokyo',
  targets: {
    mycats: {
      servers: {
        tags: { App: 'mycats', Env: 'prod' },
        disk: { warning: 80, critical: 90, paths: ['/var/lib/mycats'] },
        security: { failedLogins: { warning: 10, critical: 30 }, allowedPorts: [22, 443] },
        resources: { cpu: { warning: 70, critical: 85 }, memory: { warning: 80, critical: 90 } },
        processes: [
          { name: 'backend', unit: 'mycats-backend' },
          { name: 'odd', match: '$(touch /tmp/pwned) `id`' },
        ],
      },
    },
    'system-gear': {
      servers: {
        tags: { App: 'system-gear' },
        security: { logPatterns: [{ path: '/var/log/system-gear/api-combined.log', pattern: 'Auth rate limit exceeded', warning: 10 }] },
      },
    },
    site: { health: [{ url: 'https://example.com/health' }] },
  },
});

describe('ServerChecks on a small test stack', () => {
  const dirs = scratch();
  let template: Template;
  let resources: Resources;
  let stack: Stack;
  let assemblyDir: string;

  beforeAll(() => {
    const app = testApp({ outdir: dirs.outdir });
    stack = new Stack(app, 'ServerChecksTest', { env: { account: '123456789012', region: 'ap-northeast-1' } });
    const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
    const topics = new AlertTopics(stack, 'Alerts', { subscribers: {} });
    const queue = new sqs.Queue(stack, 'DeadLetters');
    // The fixture's own bucket and queue are bare on purpose; they are not under test.
    for (const [scope, ids] of [
      [bucket, ['AwsSolutions-S1']],
      [queue, ['AwsSolutions-SQS3', 'AwsSolutions-SQS4']],
    ] as const) {
      for (const id of ids) Validations.of(scope).acknowledge({ id, reason: 'test fixture, not under test' });
    }
    new ServerChecks(stack, 'ServerChecks', {
      config: CONFIG,
      environment: { AUTOPILOT_BUCKET: bucket.bucketName, AUTOPILOT_TOPIC_ARNS: stack.toJsonString(topics.topicArns) },
      deadLetterQueue: queue,
      entriesDir: dirs.entriesDir,
    }).bind(AutopilotBucket.fromBucket(bucket), topics);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const assembly = app.synth();
    assemblyDir = assembly.directory;
    template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
    resources = template.toJSON().Resources as Resources;
  }, 120_000);
  afterAll(() => dirs.cleanup());

  const documents = () => Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SSM::Document');
  const documentFor = (job: string) => {
    const found = documents().find(([, r]) => r.Properties.Content.mainSteps[0].name === `${job}Check`);
    expect(found, `${job} document`).toBeDefined();
    return found!;
  };

  it('creates a Command document per check (resources: a target configures it), schemaVersion 2.2, running the scripts as read', () => {
    expect(documents()).toHaveLength(3);
    for (const job of ['disk', 'security', 'resources'] as const) {
      const [, doc] = documentFor(job);
      expect(doc.Properties.DocumentType).toBe('Command');
      expect(doc.Properties.UpdateMethod).toBe('Replace');
      expect(doc.Properties.Name).toBeUndefined();
      const content = doc.Properties.Content;
      expect(content.schemaVersion).toBe('2.2');
      const step = content.mainSteps[0];
      expect(step.action).toBe('aws:runShellScript');
      expect(step.precondition).toEqual({ StringEquals: ['platformType', 'Linux'] });
      expect(step.inputs.runCommand.join('\n')).toBe(readScript(SERVER_CHECKS[job].script).replace(/\n$/, ''));
      expect(step.inputs.runCommand.join('\n')).not.toContain('{{');
      // SSM refuses a document over 64 KB, counting the parameters a command passes at run time.
      expect(Buffer.byteLength(JSON.stringify(content)), job).toBeLessThan(40 * 1024);
      if (job === 'resources') {
        // Its longest run-time parameters: 20 processes of "<kind> <400 base64 characters>", and the state key.
        expect(Buffer.byteLength(JSON.stringify(content)) + 20 * (6 + 400 + 1) + 40).toBeLessThan(64 * 1024);
      }
    }
  });

  it('gives every parameter an allowedPattern and interpolationType ENV_VAR', () => {
    for (const job of ['disk', 'security', 'resources'] as const) {
      const params = documentFor(job)[1].Properties.Content.parameters as Record<string, any>;
      expect(Object.keys(params).sort()).toEqual(SERVER_CHECKS[job].script.parameters.map((p) => p.name).sort());
      for (const spec of SERVER_CHECKS[job].script.parameters) {
        expect(params[spec.name]).toEqual({
          type: 'String',
          description: spec.description,
          default: spec.default,
          allowedPattern: spec.allowedPattern,
          interpolationType: 'ENV_VAR',
        });
        // The pattern accepts its own default and refuses shell metacharacters.
        expect(new RegExp(spec.allowedPattern).test(spec.default ?? '')).toBe(true);
        expect(new RegExp(spec.allowedPattern).test('$(touch /tmp/pwned)')).toBe(false);
        expect(new RegExp(spec.allowedPattern).test('/x;id')).toBe(false);
      }
    }
  });

  it('carries names and patterns of processes as base64 data under an allowedPattern, the target name as the state key', () => {
    const params = documentFor('resources')[1].Properties.Content.parameters as Record<string, any>;
    expect(Object.keys(params).sort()).toEqual(['contract', 'processes', 'stateKey']);
    const processes = new RegExp(params.processes.allowedPattern);
    const base64 = (text: string) => Buffer.from(text).toString('base64');
    expect(processes.test(`unit ${base64('mycats-backend')};match ${base64('$(touch /tmp/pwned) `id`')}`)).toBe(true);
    for (const bad of ['match $(id)', 'match `id`', `shell ${base64('x')}`, `match ${base64('x')};`, `match ${base64('x')}\nunit x`])
      expect(processes.test(bad), bad).toBe(false);
    const stateKey = new RegExp(params.stateKey.allowedPattern);
    expect(stateKey.test('mycats')).toBe(true);
    for (const bad of ['../etc', 'a b', 'A', '-x', 'x'.repeat(41)]) expect(stateKey.test(bad), bad).toBe(false);
  });

  it('scopes ssm:SendCommand to its own documents and to nodes carrying the configured tags', () => {
    const diskDoc = documentFor('disk')[0];
    const securityDoc = documentFor('security')[0];
    const resourcesDoc = documentFor('resources')[0];
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    const statementsOf = (fnIdPart: string) =>
      policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(fnIdPart))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);

    // The disk job runs the disk and resources checks; the security job its own.
    for (const [fnPart, ownDocs, otherDocs] of [
      ['ServerChecksDiskFunctionRole', [diskDoc, resourcesDoc], [securityDoc]],
      ['ServerChecksSecurityFunctionRole', [securityDoc], [diskDoc, resourcesDoc]],
    ] as const) {
      const statements = statementsOf(fnPart);
      const send = statements.filter((s) => [s.Action].flat().includes('ssm:SendCommand'));
      expect(send).toHaveLength(3);
      const docStatement = send.find((s) => s.Sid === 'SendTheCheckDocument');
      expect([docStatement.Resource].flat()).toHaveLength(ownDocs.length);
      for (const doc of ownDocs) expect(JSON.stringify(docStatement.Resource)).toContain(doc);
      for (const doc of otherDocs) expect(JSON.stringify(send)).not.toContain(doc);
      expect(docStatement.Condition).toBeUndefined();

      const tagged = send.filter((s) => s.Sid?.startsWith('SendToTaggedNodes'));
      expect(tagged.map((s) => s.Condition)).toEqual(
        expect.arrayContaining([
          { StringEquals: { 'ssm:resourceTag/App': 'mycats', 'ssm:resourceTag/Env': 'prod' } },
          { StringEquals: { 'ssm:resourceTag/App': 'system-gear' } },
        ]),
      );
      for (const s of tagged) {
        const arns = JSON.stringify(s.Resource);
        expect(arns).toContain(':ec2:');
        expect(arns).toContain('instance/*');
        expect(arns).toContain('managed-instance/*');
      }
      // No SendCommand without a document or tag condition.
      for (const s of send) expect(s.Resource).not.toBe('*');

      const reads = statements.find((s) => s.Sid === 'ReadCommandStatus');
      expect([reads.Action].flat().sort()).toEqual([
        'ssm:DescribeInstanceInformation',
        'ssm:GetCommandInvocation',
        'ssm:ListCommandInvocations',
        'ssm:ListCommands',
      ]);
      expect(statements.some((s) => [s.Action].flat().includes('lambda:InvokeFunction'))).toBe(true);
    }
  });

  it('lets the servers write command output only under ssm-output/', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/ssm-output/\\*$')])] },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'ssm-output/', ExpirationInDays: 30, Status: 'Enabled' })]),
      },
    });
  });

  it('passes the documents, pinned to version 1, to the functions', () => {
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      const env = fn.Properties.Environment.Variables;
      expect(['disk', 'security']).toContain(env.AUTOPILOT_SERVER_JOB);
      const docs = JSON.stringify(stack.resolve(env.AUTOPILOT_SSM_DOCUMENTS));
      expect(docs).toContain('\\"version\\":\\"1\\"');
      expect(docs).toContain(documentFor('disk')[0]);
      expect(docs).toContain(documentFor('security')[0]);
      expect(docs).toContain('\\"resources\\":{\\"name\\"');
      expect(docs).toContain(documentFor('resources')[0]);
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('schedules disk hourly and security daily in the config timezone, with retries and the dead-letter queue', () => {
    const schedules = Object.values(resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(2);
    const byJob = Object.fromEntries(schedules.map((s) => [JSON.parse(s.Properties.Target.Input).job, s.Properties]));
    expect(byJob.disk.ScheduleExpression).toBe('cron(0 * * * ? *)');
    expect(byJob.security.ScheduleExpression).toBe('cron(0 5 * * ? *)');
    for (const props of Object.values(byJob) as any[]) {
      expect(props.ScheduleExpressionTimezone).toBe('Asia/Tokyo');
      expect(JSON.parse(props.Target.Input).source).toBe('schedule');
      expect(props.Target.RetryPolicy.MaximumRetryAttempts).toBe(2);
      expect(props.Target.DeadLetterConfig.Arn).toBeDefined();
    }
  });

  it('sends failed async runs (schedule or continuation) to the dead-letter queue after two retries (issue 12)', () => {
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map((c) => c.Properties);
    expect(configs.map((c) => c.FunctionName.Ref).sort()).toEqual([...functions].sort());
    for (const c of configs) {
      expect(c.MaximumRetryAttempts).toBe(2);
      expect(c.DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLetters/), 'Arn'] } } });
    }
  });

  it('makes a Scheduler role that invokes exactly the functions, trusted for its account and schedules (issue 12)', () => {
    const role = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('ServerChecksScheduleRole'))!;
    expect(role[1].Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: {
        'aws:SourceArn': [
          'arn:aws:scheduler:ap-northeast-1:123456789012:schedule-group/default',
          'arn:aws:scheduler:ap-northeast-1:123456789012:schedule/default/*',
        ],
      },
    });
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role[0] }] } }))[0]!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).not.toContain(':*');
  });

  it('leaves no unacknowledged cdk-nag finding on its own resources', () => {
    const report = JSON.parse(readFileSync(join(assemblyDir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{
        pluginName: string;
        violations?: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath?: string }> }>;
      }>;
    };
    const all = report.pluginReports.flatMap((r) =>
      (r.violations ?? []).flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`)),
    );
    // cdk-nag ran (synth fails on an unacknowledged error, as it did before the fixture's own findings were acknowledged).
    expect(all).toEqual([]);
  });
});

describe('ServerChecks where no target configures resources or processes', () => {
  it('makes no resources document and passes the functions the disk and security ones only', () => {
    const app = testApp({ cfnValidation: false });
    const stack = new Stack(app, 'DiskOnly');
    const checks = new ServerChecks(stack, 'ServerChecks', {
      config: validConfig({ targets: { web: { servers: { tags: { App: 'web' }, disk: { warning: 80, critical: 90 } } } } }),
      environment: {},
      deadLetterQueue: new sqs.Queue(stack, 'Queue'),
    });
    expect(Object.keys(checks.documents)).toEqual(['disk', 'security']);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SSM::Document', 2);
    const env = Object.values(template.findResources('AWS::Lambda::Function'))[0]!.Properties.Environment.Variables;
    expect(JSON.stringify(env.AUTOPILOT_SSM_DOCUMENTS)).not.toContain('resources');
  }, 180_000);
});

describe('ServerChecks without servers in the config', () => {
  it('creates nothing', () => {
    const app = testApp({ cfnValidation: false });
    const stack = new Stack(app, 'NoServers');
    const checks = new ServerChecks(stack, 'ServerChecks', {
      config: validConfig({ targets: { site: { health: [{ url: 'https://example.com/' }] } } }),
      environment: {},
      deadLetterQueue: new sqs.Queue(stack, 'Queue'),
    });
    checks.bind(AutopilotBucket.fromBucket(new s3.Bucket(stack, 'Bucket')), new AlertTopics(stack, 'Alerts', { subscribers: {} }));
    expect(checks.functions).toEqual([]);
    expect(checks.instanceOutputPolicy).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::SSM::Document', 0);
  });
});
