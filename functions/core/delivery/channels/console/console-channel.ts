import type { Notification } from '../../../domain/report.js';
import type { DeliveryChannel, TextSink } from '../../channel.js';

export type { TextSink } from '../../channel.js';

const RULE = '-'.repeat(72);

/** An attribute's names as SNS gets them, with the count of those a summarised one left out. */
function names(values: readonly string[], omitted: number | undefined): string {
  return `${values.join(',')}${omitted ? ` (${omitted} more)` : ''}`;
}

/** The channel of --local runs: prints each notice as a block (subject, attributes, SMS line, e-mail text) and keeps it for the report. */
export class ConsoleChannel implements DeliveryChannel {
  readonly name = 'console';
  readonly published: Notification[] = [];

  constructor(private readonly out: TextSink = process.stderr) {}

  async publish(notification: Notification): Promise<void> {
    this.published.push(notification);
    const { attributes } = notification;
    this.out.write(
      [
        `${RULE}`,
        `notification -> ${notification.topic} topic`,
        `Subject: ${notification.subject}`,
        `Attributes: severity=${attributes.severity} target=${names(attributes.target, attributes.targetsOmitted)} ` +
          `check=${names(attributes.check, attributes.checksOmitted)}`,
        // What a phone subscriber gets; the e-mail text follows, and --json shows every protocol's body.
        ...(notification.bodies ? [`SMS (${Buffer.byteLength(notification.bodies.sms)} bytes): ${notification.bodies.sms}`] : []),
        '',
        notification.message,
        RULE,
        '',
      ].join('\n'),
    );
  }
}
