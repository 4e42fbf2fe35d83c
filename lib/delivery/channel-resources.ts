import type { Stack } from 'aws-cdk-lib';
import type { ChannelModule } from '../../functions/core/delivery/channel.js';
import { channelListValue } from '../../functions/core/delivery/registry.js';
import { ENV } from '../../functions/core/layout.js';
import type { AlertTopics } from '../sns/alert-topics.js';

/** What a channel's resources may be made of: the suite's own. */
export interface ChannelResourceHost {
  readonly stack: Stack;
  readonly topics: Pick<AlertTopics, 'topicArns'>;
}

/**
 * The environment of the delivery channels that need AWS resources, by channel name (the CDK side of
 * functions/core/delivery/registry.ts). A channel that needs none (it only writes logs, say) has no line: switching it
 * on is its name in AUTOPILOT_CHANNELS, which the stack derives from the registry.
 */
const CHANNEL_RESOURCES: Readonly<Record<string, (host: ChannelResourceHost) => Record<string, string>>> = {
  sns: ({ stack, topics }) => ({ [ENV.topicArns]: stack.toJsonString(topics.topicArns) }),
};

/** AUTOPILOT_CHANNELS and each switched-on channel's own variables: what every job function gets for delivery. */
export function channelEnvironment(host: ChannelResourceHost, channels: readonly ChannelModule[]): Record<string, string> {
  return Object.assign({ [ENV.channels]: channelListValue(channels) }, ...channels.map((c) => CHANNEL_RESOURCES[c.name]?.(host) ?? {}));
}
