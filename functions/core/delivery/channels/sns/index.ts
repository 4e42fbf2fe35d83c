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

/**
 * SNS, the first channel: the severity topics are both the route and, through their subscriptions, the delivery. Every
 * deployment has it (the topics carry the digest and the stack's own alarms too); its resources are the topics, whose
 * ARNs the stack gives as AUTOPILOT_TOPIC_ARNS.
 */
export const snsChannel: ChannelModule = {
  name: 'sns',
  description: 'one SNS topic per severity (and the digest); subscribers by e-mail, SMS, https, Lambda, SQS, Chatbot',
  deployedFor: () => true,
  fromEnvironment(env) {
    const text = env[TOPIC_ARNS_ENV];
    if (text === undefined) throw new Error(`${TOPIC_ARNS_ENV} is not set (the stack sets it when the sns channel is on)`);
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
