import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.js';
import { AlertTopics } from '../../../lib/sns/alert-topics.js';
import { bareStack } from '../support/cdk-app.js';

describe('AlertTopics', () => {
  let template: Template;
  let topics: AlertTopics;
  let ids: Record<string, string>;

  beforeAll(() => {
    const stack = bareStack();
    topics = new AlertTopics(stack, 'Alerts', {
      subscribers: {
        critical: ['oncall@example.com', '+819012345678', 'https://hooks.example.com/a', 'oncall@example.com'],
        high: ['arn:aws:sqs:ap-northeast-1:123456789012:alerts', 'arn:aws:lambda:ap-northeast-1:123456789012:function:pager'],
        low: ['arn:aws:sqs:ap-northeast-1:123456789012:alerts'],
        digest: ['team@example.com'],
      },
      publishingServices: ['events.amazonaws.com'],
    });
    const role = new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    topics.grantPublish(role);
    template = Template.fromStack(stack);
    ids = Object.fromEntries(Object.entries(topics.topicArns).map(([t, arn]) => [t, stack.resolve(arn).Ref]));
  });

  it('makes five standard topics, all encrypted with the one rotating customer-managed key', () => {
    const all = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(all).sort()).toEqual(Object.values(ids).sort());
    const keys = Object.keys(template.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } }));
    expect(keys).toHaveLength(1);
    for (const topic of Object.values(all)) {
      expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keys[0], 'Arn'] });
      expect(topic.Properties.FifoTopic).toBeUndefined();
    }
  });

  it('lets CloudWatch and the asked services use the key', () => {
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0]!;
    const services = key.Properties.KeyPolicy.Statement.filter((s: { Principal: { Service?: string } }) => s.Principal.Service).map(
      (s: { Principal: { Service: string }; Action: string[] }) => [s.Principal.Service, s.Action],
    );
    expect(services).toEqual([
      ['cloudwatch.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*']],
      ['events.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*']],
    ]);
  });

  it('denies publishing without TLS on every topic', () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(5);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('subscribes each subscriber once by its kind', () => {
    const subs = Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => [
      s.Properties.TopicArn.Ref,
      s.Properties.Protocol,
      s.Properties.Endpoint,
    ]);
    expect(subs).toEqual(
      expect.arrayContaining([
        [ids.critical, 'email', 'oncall@example.com'],
        [ids.critical, 'sms', '+819012345678'],
        [ids.critical, 'https', 'https://hooks.example.com/a'],
        [ids.high, 'sqs', 'arn:aws:sqs:ap-northeast-1:123456789012:alerts'],
        [ids.high, 'lambda', 'arn:aws:lambda:ap-northeast-1:123456789012:function:pager'],
        [ids.low, 'sqs', 'arn:aws:sqs:ap-northeast-1:123456789012:alerts'],
        [ids.digest, 'email', 'team@example.com'],
      ]),
    );
    expect(subs).toHaveLength(7);
    // SNS may invoke the subscribed function.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: 'arn:aws:lambda:ap-northeast-1:123456789012:function:pager',
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: ids.high },
    });
  });

  it('grants sns:Publish on the four severity topics only, and the key', () => {
    const policy = Object.values(template.findResources('AWS::IAM::Policy'))[0]!;
    const statements = policy.Properties.PolicyDocument.Statement;
    const publish = statements.find((s: { Action: unknown }) => s.Action === 'sns:Publish');
    expect(publish.Resource.map((r: { Ref: string }) => r.Ref).sort()).toEqual([ids.critical, ids.high, ids.medium, ids.low].sort());
    const key = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: { 'Fn::GetAtt': [key, 'Arn'] },
    });
  });

  it('refuses an ARN of another service with the subscriber path', () => {
    const make = (arn: string) => () => new AlertTopics(bareStack(), 'A', { subscribers: { medium: ['ops@example.com', arn] } });
    expect(make('arn:aws:sns:us-east-1:123456789012:other')).toThrow(ConfigError);
    expect(make('arn:aws:sns:us-east-1:123456789012:other')).toThrow(
      /^subscribers\.medium\[1\]: "arn:aws:sns:us-east-1:123456789012:other" is a sns ARN/,
    );
    expect(make('arn:aws:firehose:us-east-1:123456789012:deliverystream/x')).toThrow(/subscribers\.medium\[1\]: .* is a firehose ARN/);
  });
});
