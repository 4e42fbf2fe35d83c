import { z } from 'zod';
import { ENV } from '../../../layout.js';
import type { ChannelModule } from '../../channel.js';
import { SnsChannel } from './sns-channel.js';

export { SnsChannel } from './sns-channel.js';

/** The stack sets `AUTOPILOT_TOPIC_ARNS` on every function: one topic per severity, and the digest's. */
export const TOPIC_ARNS_ENV = ENV.topicArns;

const topicArnsSchema = z.strictObject({
  critical: z.string().startsWith('arn:'),
  high: z.string().startsWith('arn:'),
  medium: z.string().startsWith('arn:'),
  low: z.string().startsWith('arn:'),
  digest: z.string().startsWith('arn:'),
});

/** SNS, the first channel: the severity topics are both the route and, through their subscriptions, the delivery. */
export const snsChannel: ChannelModule = {
  name: 'sns',
  description: 'one SNS topic per severity (and the digest); subscribers by e-mail, SMS, https, Lambda, SQS, Chatbot',
  fromEnvironment(env) {
    const text = env[TOPIC_ARNS_ENV];
    if (text === undefined) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new Error(`${TOPIC_ARNS_ENV} is not JSON`);
    }
    const parsed = topicArnsSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${TOPIC_ARNS_ENV} is not a map of topic ARNs: ${parsed.error.message}`);
    return new SnsChannel(parsed.data);
  },
};
