import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Topic } from '../../../domain/report.js';
import type { DeliveryChannel } from '../../channel.js';
import { snsPublishOf } from '../../../alerts/bodies/index.js';

/** Publishes each grouped notice to the SNS topic of its severity, with filterable attributes. */
export class SnsChannel implements DeliveryChannel {
  readonly name = 'sns';

  constructor(
    private readonly topicArns: Readonly<Record<Topic, string>>,
    private readonly client: SNSClient = new SNSClient({}),
  ) {}

  async publish(notification: Notification): Promise<void> {
    const topicArn = this.topicArns[notification.topic];
    if (!topicArn) throw new Error(`no SNS topic ARN for topic "${notification.topic}"`);
    // Each protocol its own body (e-mail text, one SMS line, JSON for https/lambda/sqs/firehose), and the attributes:
    // the very object the bodies were sized against and the report's `bytes` counts (bodies/sns-publish.ts).
    await this.client.send(new PublishCommand({ TopicArn: topicArn, ...snsPublishOf(notification) }));
  }
}
