import { createHash } from 'node:crypto';
import { Arn, ArnFormat, Duration, Lazy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../nag/wildcards.js';
import type { Topic } from '../../functions/core/domain/report.js';
import { ALERT_SEVERITIES } from '../../functions/core/domain/severity.js';
import { ConfigError } from '../../functions/core/errors.js';
import type { Config } from '../../functions/kinds/config.js';

export const TOPICS: readonly Topic[] = [...ALERT_SEVERITIES, 'digest'];

export type TopicArns = Readonly<Record<Topic, string>>;

export interface AlertTopicsSubscriberProps {
  /** `config.subscribers`: e-mail addresses, https URLs, +phone numbers, SQS queue or Lambda function ARNs. */
  readonly subscribers: Config['subscribers'];
}

export interface AlertTopicsProps extends AlertTopicsSubscriberProps {}

export interface GrantPublishOptions {
  /** Also the `digest` topic (only the digest job publishes there). @default false */
  readonly includeDigest?: boolean;
  /** Exactly these topics instead (the digest job publishes to `digest` alone). */
  readonly only?: readonly Topic[];
}

/**
 * What a job needs of the alert topics (AlertTopics is one): publishing, EventBridge rules allowed to
 * publish, and where a notice that could not be delivered goes.
 */
export interface IAlertTopics {
  readonly topics: Readonly<Record<Topic, sns.ITopic>>;
  /** Notices SNS could not deliver to a subscriber after its retries, and rule events EventBridge could not publish. */
  readonly deliveryDeadLetterQueue: sqs.IQueue;
  grantPublish(grantee: iam.IGrantable, options?: GrantPublishOptions): iam.Grant;
  /**
   * Lets exactly this EventBridge rule publish to `topic` (the topic policy: aws:SourceAccount and
   * aws:SourceArn), use the key for this account's topics, and send what it cannot deliver to the
   * delivery dead-letter queue (aws:SourceAccount and aws:SourceArn). Each policy holds one
   * statement for EventBridge, listing every rule.
   */
  allowRuleToPublish(topic: Topic, ruleArn: string): void;
}

/**
 * One standard SNS topic per alert severity plus `digest`, all encrypted with one
 * customer-managed KMS key, TLS-only, with the config's subscribers. Each subscription has a
 * redrive policy to one encrypted dead-letter queue, so a notice SNS gave up on (a bounced
 * e-mail, an https endpoint that stayed down, an SMS the account may not send) is kept and
 * alarmed on (lib/monitoring/watchers.ts) instead of dropped.
 */
export class AlertTopics extends Construct implements IAlertTopics {
  readonly key: kms.Key;
  readonly topics: Readonly<Record<Topic, sns.Topic>>;
  readonly topicArns: TopicArns;
  readonly deliveryDeadLetterQueue: sqs.Queue;
  /** The EventBridge rules allowed to publish, per topic (the topic policy) and in all (the key and the queue policy). */
  private readonly publishingRules = new Map<Topic, string[]>();

  constructor(scope: Construct, id: string, props: AlertTopicsProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the ops-autopilot alert topics of ${Stack.of(this).stackName}`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
    });
    // CloudWatch alarms publish to these topics, and SNS encryption makes the publisher use the key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PublishCloudwatch',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.deliveryDeadLetterQueue = new sqs.Queue(this, 'DeliveryDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // SNS keeps a dead letter as long as SQS allows: two weeks to see why and send it again by hand.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deliveryDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the alert subscriptions and task-state rules (cdk-nag only recognises SQS ' +
        'redrive sources); its alarm pages.',
    });

    const topics = {} as Record<Topic, sns.Topic>;
    for (const topic of TOPICS) {
      topics[topic] = new sns.Topic(this, pascal(topic), {
        displayName: `Autopilot ${topic}`,
        masterKey: this.key,
        enforceSSL: true,
      });
    }
    this.topics = topics;
    this.topicArns = Object.fromEntries(TOPICS.map((t) => [t, topics[t].topicArn])) as Record<Topic, string>;

    for (const topic of TOPICS) {
      const seen = new Set<string>();
      for (const [i, subscriber] of (props.subscribers[topic] ?? []).entries()) {
        if (seen.has(subscriber)) continue;
        seen.add(subscriber);
        topics[topic].addSubscription(this.subscriptionFor(subscriber, `subscribers.${topic}[${i}]`));
      }
    }
  }

  allowRuleToPublish(topic: Topic, ruleArn: string): void {
    const stack = Stack.of(this);
    const fromRules = (arns: () => string[]) => ({
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnEquals: { 'aws:SourceArn': Lazy.list({ produce: arns }) },
    });
    if (this.publishingRules.size === 0) {
      // Once for every rule: the key and the dead-letter queue each get one statement.
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PublishEvents',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          // Only to encrypt for this account's topics in this region. Not aws:SourceArn/aws:SourceAccount: SNS documents
          // them as unsupported in a key policy for EventBridge publishing to an encrypted topic (the KMS request does not
          // carry them, and every notice would fail). The topic policies carry them, and they decide who may publish.
          conditions: {
            StringLike: {
              'kms:EncryptionContext:aws:sns:topicArn': stack.formatArn({
                service: 'sns',
                resource: '*',
                arnFormat: ArnFormat.NO_RESOURCE_NAME,
              }),
            },
          },
        }),
      );
      this.deliveryDeadLetterQueue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EventBridgeRulesDeadLetters',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [this.deliveryDeadLetterQueue.queueArn],
          conditions: fromRules(() => [...this.publishingRules.values()].flat()),
        }),
      );
    }
    let rules = this.publishingRules.get(topic);
    if (!rules) {
      const forTopic: string[] = [];
      rules = forTopic;
      this.publishingRules.set(topic, forTopic);
      this.topics[topic].addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EventBridgeRulesPublish',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [this.topics[topic].topicArn],
          conditions: fromRules(() => forTopic),
        }),
      );
    }
    if (!rules.includes(ruleArn)) rules.push(ruleArn);
  }

  /** sns:Publish on the four severity topics (and `digest` when asked), and use of the key. */
  grantPublish(grantee: iam.IGrantable, options: GrantPublishOptions = {}): iam.Grant {
    const topics = options.only ?? (options.includeDigest ? TOPICS : ALERT_SEVERITIES);
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sns:Publish'],
      resourceArns: topics.map((t) => this.topics[t].topicArn),
    }).combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resourceArns: [this.key.keyArn] }));
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      acknowledgeWildcards(grantee.grantPrincipal, [
        {
          action: 'kms:GenerateDataKey*',
          reason:
            'Publishing to a KMS-encrypted SNS topic needs the data-key actions (GenerateDataKey and its variants), on the one topic key ' +
            'only.',
        },
      ]);
    }
    return grant;
  }

  private subscriptionFor(subscriber: string, path: string): sns.ITopicSubscription {
    const deadLetterQueue = this.deliveryDeadLetterQueue;
    if (subscriber.startsWith('https://'))
      return new subscriptions.UrlSubscription(subscriber, { protocol: sns.SubscriptionProtocol.HTTPS, deadLetterQueue });
    if (subscriber.startsWith('+')) return new SmsSubscriptionWithRedrive(subscriber, deadLetterQueue);
    if (subscriber.startsWith('arn:')) return this.arnSubscription(subscriber, path);
    if (subscriber.includes('@')) return new subscriptions.EmailSubscription(subscriber, { deadLetterQueue });
    throw new ConfigError(
      `${path}: unsupported subscriber "${subscriber}" (an e-mail address, an https:// URL, a +phone number, or an SQS queue or Lambda function ARN)`,
    );
  }

  private arnSubscription(arn: string, path: string): sns.ITopicSubscription {
    let service: string;
    try {
      service = Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).service;
    } catch {
      throw new ConfigError(`${path}: "${arn}" is not a valid ARN`);
    }
    // One imported construct per ARN, named after it, so logical IDs do not move when lists change.
    const id = `Subscriber${createHash('sha256').update(arn).digest('hex').slice(0, 8)}`;
    const existing = this.node.tryFindChild(id);
    const deadLetterQueue = this.deliveryDeadLetterQueue;
    if (service === 'sqs')
      return new subscriptions.SqsSubscription((existing as sqs.IQueue | undefined) ?? sqs.Queue.fromQueueArn(this, id, arn), {
        deadLetterQueue,
      });
    if (service === 'lambda') {
      const parts = Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME);
      const stackAccount = Stack.of(this).account;
      // An env-agnostic stack cannot compare accounts; assume the function lives in the deploying
      // account so the stack grants SNS the invoke permission (a cross-account function must grant it itself).
      const sameEnvironment = Token.isUnresolved(stackAccount) || stackAccount === parts.account;
      const fn =
        (existing as lambda.IFunction | undefined) ??
        lambda.Function.fromFunctionAttributes(this, id, { functionArn: arn, sameEnvironment });
      return new subscriptions.LambdaSubscription(fn, { deadLetterQueue });
    }
    throw new ConfigError(`${path}: "${arn}" is a ${service} ARN; subscribers may be SQS queue or Lambda function ARNs only`);
  }
}

/**
 * An SMS subscription with a redrive policy: `aws-sns-subscriptions`' SmsSubscription takes a
 * dead-letter queue in its props but drops it (2.276), so a text SNS gave up on (a number the
 * account may not send to while in the SMS sandbox) was lost. Same subscriber id, so the
 * subscription keeps its logical ID.
 */
class SmsSubscriptionWithRedrive implements sns.ITopicSubscription {
  constructor(
    private readonly phoneNumber: string,
    private readonly deadLetterQueue: sqs.IQueue,
  ) {}

  bind(_topic: sns.ITopic): sns.TopicSubscriptionConfig {
    return {
      subscriberId: this.phoneNumber,
      endpoint: this.phoneNumber,
      protocol: sns.SubscriptionProtocol.SMS,
      deadLetterQueue: this.deadLetterQueue,
    };
  }
}

/**
 * The topics an alarm about undelivered notices publishes to: the critical topic, then each other
 * topic that reaches a subscriber (an address, number, URL, ARN or chat channel) none of the
 * earlier ones does. So every subscriber hears of it on some path, and a failing path (the one
 * subscription that bounces) is never the only one it goes through while another exists.
 */
export function deliveryAlarmTopics(subscribers: Config['subscribers']): Topic[] {
  const reached = new Set<string>();
  const chosen: Topic[] = [];
  for (const topic of TOPICS) {
    const endpoints = [
      ...(subscribers[topic] ?? []),
      ...(subscribers.chat?.slack ?? []).filter((c) => c.severities.includes(topic)).map((c) => `slack:${c.workspaceId}/${c.channelId}`),
      ...(subscribers.chat?.teams ?? []).filter((c) => c.severities.includes(topic)).map((c) => `teams:${c.teamId}/${c.channelId}`),
    ];
    if (topic === 'critical' || endpoints.some((e) => !reached.has(e))) chosen.push(topic);
    for (const e of endpoints) reached.add(e);
  }
  return chosen;
}

/** How many distinct subscribers (addresses, numbers, URLs, ARNs, chat channels) the topics reach in all. */
export function distinctSubscribers(subscribers: Config['subscribers']): number {
  const all = new Set<string>(TOPICS.flatMap((t) => subscribers[t] ?? []));
  for (const c of subscribers.chat?.slack ?? []) all.add(`slack:${c.workspaceId}/${c.channelId}`);
  for (const c of subscribers.chat?.teams ?? []) all.add(`teams:${c.teamId}/${c.channelId}`);
  return all.size;
}

function pascal(text: string): string {
  return text.replace(/(^|[-_ ])([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
