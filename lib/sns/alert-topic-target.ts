import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type { Topic } from '../../functions/core/domain/report.js';
import type { IAlertTopics } from './alert-topics.js';

export interface AlertTopicTargetProps {
  /** The text the topic's subscribers get (an input transformer over the event). */
  readonly message: events.RuleTargetInput;
  /** @default 10 */
  readonly retryAttempts?: number;
  /** @default 6 hours */
  readonly maxEventAge?: Duration;
}

/**
 * An EventBridge rule target that publishes to one alert topic, as `aws-events-targets`' SnsTopic
 * does, but: EventBridge retries a failed publish (a throttled or briefly unavailable SNS or KMS)
 * for up to six hours, a notice it still cannot publish goes to the alert topics' delivery
 * dead-letter queue (whose alarm pages), and the permissions name this rule
 * (`IAlertTopics.allowRuleToPublish`: aws:SourceAccount and aws:SourceArn on the topic and queue
 * policies) instead of letting any rule of any account publish.
 */
export class AlertTopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topics: IAlertTopics,
    private readonly topic: Topic,
    private readonly props: AlertTopicTargetProps,
  ) {}

  bind(rule: events.IRuleRef, _id?: string): events.RuleTargetConfig {
    this.topics.allowRuleToPublish(this.topic, rule.ruleRef.ruleArn);
    const target = this.topics.topics[this.topic];
    return {
      arn: target.topicArn,
      input: this.props.message,
      targetResource: target,
      deadLetterConfig: { arn: this.topics.deliveryDeadLetterQueue.queueArn },
      retryPolicy: {
        maximumRetryAttempts: this.props.retryAttempts ?? 10,
        maximumEventAgeInSeconds: (this.props.maxEventAge ?? Duration.hours(6)).toSeconds(),
      },
    };
  }
}
