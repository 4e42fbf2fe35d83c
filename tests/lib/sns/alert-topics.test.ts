import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.js';
import { AlertTopics, deliveryAlarmTopics, distinctSubscribers } from '../../../lib/sns/alert-topics.js';
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
    });
    const role = new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    topics.grantPublish(role);
    // Two rules, one of them allowed twice: one statement per policy, each rule listed once.
    for (const rule of ['one', 'two', 'one'])
      topics.allowRuleToPublish('critical', `arn:aws:events:ap-northeast-1:123456789012:rule/${rule}`);
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

  it('lets CloudWatch use the key, and EventBridge only once a rule publishes, in one statement for all rules', () => {
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0]!;
    const services = key.Properties.KeyPolicy.Statement.filter((s: { Principal: { Service?: string } }) => s.Principal.Service).map(
      (s: { Principal: { Service: string }; Action: string[] }) => [s.Principal.Service, s.Action],
    );
    expect(services).toEqual([
      ['cloudwatch.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*']],
      ['events.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*']],
    ]);
  });

  it('lets exactly the named rules publish: aws:SourceAccount and aws:SourceArn on the topic and queue policies, once each', () => {
    const events = (statements: Array<{ Principal?: { Service?: string } }>) =>
      statements.filter((s) => s.Principal?.Service === 'events.amazonaws.com');
    const critical = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find(
      (p) => p.Properties.Topics[0].Ref === ids.critical,
    )!;
    const rules = ['arn:aws:events:ap-northeast-1:123456789012:rule/one', 'arn:aws:events:ap-northeast-1:123456789012:rule/two'];
    const fromRules = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnEquals: { 'aws:SourceArn': rules } };
    expect(events(critical.Properties.PolicyDocument.Statement)).toEqual([
      {
        Sid: 'EventBridgeRulesPublish',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: ids.critical },
        Condition: fromRules,
      },
    ]);
    // No rule publishes to the other topics: their policies let EventBridge do nothing.
    for (const policy of Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((p) => p !== critical)) {
      expect(events(policy.Properties.PolicyDocument.Statement)).toEqual([]);
    }
    const [queuePolicy] = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    expect(events(queuePolicy!.Properties.PolicyDocument.Statement)).toEqual([
      expect.objectContaining({ Action: 'sqs:SendMessage', Condition: fromRules }),
    ]);
    // The key: this account's topics only (SNS does not pass aws:SourceArn to KMS for EventBridge).
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0]!;
    expect(events(key.Properties.KeyPolicy.Statement)).toEqual([
      expect.objectContaining({
        Sid: 'PublishEvents',
        Condition: {
          StringLike: {
            'kms:EncryptionContext:aws:sns:topicArn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']],
            },
          },
        },
      }),
    ]);
  });

  it('gives every subscription, SMS included, a redrive policy to one encrypted queue that only these topics may send to', () => {
    const [[queueId, queue]] = Object.entries(template.findResources('AWS::SQS::Queue')) as Array<[string, any]>;
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription'));
    expect(subscriptions.map((s) => s.Properties.Protocol).sort()).toEqual(['email', 'email', 'https', 'lambda', 'sms', 'sqs', 'sqs']);
    for (const sub of subscriptions) {
      expect(sub.Properties.RedrivePolicy, sub.Properties.Protocol).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    }
    const [policy] = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const fromSns = policy!.Properties.PolicyDocument.Statement.filter((s: any) => s.Principal?.Service === 'sns.amazonaws.com');
    expect(fromSns.map((s: any) => s.Condition.ArnEquals['aws:SourceArn'].Ref).sort()).toEqual(
      [ids.critical, ids.high, ids.low, ids.digest].sort(),
    );
    for (const s of fromSns) expect(s).toMatchObject({ Effect: 'Allow', Action: 'sqs:SendMessage' });
    expect(policy!.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
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

describe('deliveryAlarmTopics', () => {
  it('takes the critical topic, then each topic reaching a subscriber the earlier ones do not', () => {
    expect(
      deliveryAlarmTopics({
        critical: ['oncall@ops.example', '+819000000000'],
        high: ['oncall@ops.example'],
        medium: ['ops@ops.example'],
        low: ['ops@ops.example'],
        digest: ['team@ops.example'],
      }),
    ).toEqual(['critical', 'medium', 'digest']);
    // A chat channel on the high topic is a path of its own.
    expect(
      deliveryAlarmTopics({
        critical: ['oncall@ops.example'],
        high: ['oncall@ops.example'],
        chat: { slack: [{ workspaceId: 'T01', channelId: 'C01', severities: ['high'] }] },
      }),
    ).toEqual(['critical', 'high']);
    // Nobody subscribed: the critical topic still (the dashboard and the queue show the alarm).
    expect(deliveryAlarmTopics({})).toEqual(['critical']);
  });

  it('counts distinct subscribers across topics and chat channels', () => {
    expect(distinctSubscribers({ critical: ['a@x.example'], high: ['a@x.example'] })).toBe(1);
    expect(
      distinctSubscribers({
        critical: ['a@x.example'],
        chat: { teams: [], slack: [{ workspaceId: 'T01', channelId: 'C01', severities: ['low'] }] },
      }),
    ).toBe(2);
  });
});
