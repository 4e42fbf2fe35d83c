import { createHash } from 'node:crypto';
import { Arn, ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
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

export interface AlertTopicsKeyProps {
  /** Service principals (besides CloudWatch) that publish to the topics and so need the key. */
  readonly publishingServices?: readonly string[];
}

export interface AlertTopicsProps extends AlertTopicsSubscriberProps, AlertTopicsKeyProps {}

export interface GrantPublishOptions {
  /** Also the `digest` topic (only the digest job publishes there). @default false */
  readonly includeDigest?: boolean;
  /** Exactly these topics instead (the digest job publishes to `digest` alone). */
  readonly only?: readonly Topic[];
}

/** What a job needs of the alert topics (AlertTopics is one): publishing, and a service allowed to publish with the key. */
export interface IAlertTopics {
  readonly topics: Readonly<Record<Topic, sns.ITopic>>;
  grantPublish(grantee: iam.IGrantable, options?: GrantPublishOptions): iam.Grant;
  allowServiceToPublish(servicePrincipal: string): void;
}

/**
 * One standard SNS topic per alert severity plus `digest`, all encrypted with one
 * customer-managed KMS key, TLS-only, with the config's subscribers.
 */
export class AlertTopics extends Construct implements IAlertTopics {
  readonly key: kms.Key;
  readonly topics: Readonly<Record<Topic, sns.Topic>>;
  readonly topicArns: TopicArns;

  constructor(scope: Construct, id: string, props: AlertTopicsProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the ops-autopilot alert topics of ${Stack.of(this).stackName}`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
    });
    // CloudWatch alarms publish to these topics, and SNS encryption makes the publisher use the key.
    for (const service of ['cloudwatch.amazonaws.com', ...(props.publishingServices ?? [])]) this.allowServiceToPublish(service);

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

  /** Lets an AWS service (events.amazonaws.com, scheduler.amazonaws.com, ...) encrypt messages for the topics. */
  allowServiceToPublish(servicePrincipal: string): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Publish${pascal(servicePrincipal.split('.')[0]!)}`,
        principals: [new iam.ServicePrincipal(servicePrincipal)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
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
    if (subscriber.startsWith('https://'))
      return new subscriptions.UrlSubscription(subscriber, { protocol: sns.SubscriptionProtocol.HTTPS });
    if (subscriber.startsWith('+')) return new subscriptions.SmsSubscription(subscriber);
    if (subscriber.startsWith('arn:')) return this.arnSubscription(subscriber, path);
    if (subscriber.includes('@')) return new subscriptions.EmailSubscription(subscriber);
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
    if (service === 'sqs')
      return new subscriptions.SqsSubscription((existing as sqs.IQueue | undefined) ?? sqs.Queue.fromQueueArn(this, id, arn));
    if (service === 'lambda') {
      const parts = Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME);
      const stackAccount = Stack.of(this).account;
      // An env-agnostic stack cannot compare accounts; assume the function lives in the deploying
      // account so the stack grants SNS the invoke permission (a cross-account function must grant it itself).
      const sameEnvironment = Token.isUnresolved(stackAccount) || stackAccount === parts.account;
      const fn =
        (existing as lambda.IFunction | undefined) ??
        lambda.Function.fromFunctionAttributes(this, id, { functionArn: arn, sameEnvironment });
      return new subscriptions.LambdaSubscription(fn);
    }
    throw new ConfigError(`${path}: "${arn}" is a ${service} ARN; subscribers may be SQS queue or Lambda function ARNs only`);
  }
}

function pascal(text: string): string {
  return text.replace(/(^|[-_ ])([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
