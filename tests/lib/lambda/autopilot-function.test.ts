import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutopilotFunction, AutopilotImageFunction } from '../../../lib/lambda/autopilot-function.js';
import { imageArchitecture } from '../../../lib/lambda/image-architecture.js';
import { CDK_CONTEXT, config, scratch } from '../support/cdk-app.js';

type Resource = { Type: string; Properties: Record<string, any> };

const dirs = scratch();
const imageDir = mkdtempSync(join(tmpdir(), 'autopilot-image-fn-'));
afterAll(() => {
  dirs.cleanup();
  rmSync(imageDir, { recursive: true, force: true });
});

const deployable = config({ timezone: 'Asia/Tokyo', targets: { mycats: { health: [{ url: 'https://mycats.example.com/health' }] } } });

describe('the house function and its image variant', () => {
  let resources: Record<string, Resource>;
  const byId = (prefix: string, type: string): Resource => {
    const found = Object.entries(resources).filter(([id, r]) => id.startsWith(prefix) && r.Type === type);
    expect(
      found.map(([id]) => id),
      `${type} ${prefix}`,
    ).toHaveLength(1);
    return found[0]![1];
  };

  beforeAll(() => {
    // The image's build context only has to exist at synth: `cdk deploy` builds it, no Docker here.
    writeFileSync(join(imageDir, 'Dockerfile'), 'FROM public.ecr.aws/lambda/nodejs:24\nCMD ["index.handler"]\n');
    const app = new App({ outdir: dirs.outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'House', { env: { account: '123456789012', region: 'ap-northeast-1' } });
    new AutopilotFunction(stack, 'Zip', {
      job: 'health',
      config: deployable,
      entriesDir: dirs.entriesDir,
      environment: { AUTOPILOT_EXTRA: '1' },
    });
    new AutopilotImageFunction(stack, 'Image', {
      job: 'backup',
      imageDirectory: imageDir,
      architecture: imageArchitecture('arm64'),
      memorySize: 1024,
      timeout: Duration.minutes(15),
      environment: { AUTOPILOT_EXTRA: '1' },
    });
    new AutopilotImageFunction(stack, 'Named', {
      job: 'backup',
      imageDirectory: imageDir,
      architecture: imageArchitecture('x86_64'),
      resourceIds: { role: 'OwnRole', logGroup: 'OwnLogs' },
      logRetention: logs.RetentionDays.ONE_MONTH,
    });
    resources = Template.fromStack(stack).toJSON().Resources;
  });

  it('gives both the same defaults: arm64, a role of their own that only writes their log group, retention, service name', () => {
    for (const [id, job] of [
      ['Zip', 'health'],
      ['Image', 'backup'],
    ] as const) {
      const fn = byId(id, 'AWS::Lambda::Function').Properties;
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Role).toEqual({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${id}Role`)), 'Arn'] });
      expect(fn.LoggingConfig).toEqual({ LogGroup: { Ref: expect.stringMatching(new RegExp(`^${id}Logs`)) } });
      expect(fn.Environment.Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: `autopilot-${job}`, AUTOPILOT_EXTRA: '1' });
      expect(fn.Description).toBe(`ops-autopilot ${job} job`);
      const role = byId(`${id}Role`, 'AWS::IAM::Role').Properties;
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(role.Description).toBe(`Runs the ops-autopilot ${job} job`);
      const statements = byId(`${id}RoleDefaultPolicy`, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement;
      expect(statements).toEqual([
        expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: expect.anything() }),
      ]);
      expect(byId(`${id}Logs`, 'AWS::Logs::LogGroup').Properties.RetentionInDays).toBe(90);
    }
  });

  it('differs only in the code: a Node.js 24 bundle with source maps, or an image that brings its own runtime', () => {
    const zip = byId('Zip', 'AWS::Lambda::Function').Properties;
    const image = byId('Image', 'AWS::Lambda::Function').Properties;
    expect(zip).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler', MemorySize: 256, Timeout: 60 });
    expect(zip.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    expect(image).toMatchObject({ PackageType: 'Image', MemorySize: 1024, Timeout: 900, Code: { ImageUri: expect.anything() } });
    expect(image.Runtime).toBeUndefined();
    expect(image.Environment.Variables.NODE_OPTIONS).toBeUndefined();
  });

  it('runs an image function on the architecture its image is built for', () => {
    expect(byId('Image', 'AWS::Lambda::Function').Properties.Architectures).toEqual(['arm64']);
    expect(byId('Named', 'AWS::Lambda::Function').Properties.Architectures).toEqual(['x86_64']);
  });

  it('names the role and log group as asked, for a function whose resources predate the house construct', () => {
    expect(byId('OwnRole', 'AWS::IAM::Role')).toBeDefined();
    expect(byId('OwnLogs', 'AWS::Logs::LogGroup').Properties.RetentionInDays).toBe(30);
    expect(Object.keys(resources).some((id) => id.startsWith('NamedRole') || id.startsWith('NamedLogs'))).toBe(false);
  });
});
