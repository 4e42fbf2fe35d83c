import { ChannelSet, type ChannelModule } from './channel.js';
import { consoleChannel } from './channels/console/index.js';
import { snsChannel } from './channels/sns/index.js';

/**
 * Every delivery channel, one line each. A deployed function delivers on each channel its
 * environment configures (ChannelModule.fromEnvironment); a new channel is one folder under
 * `channels/` and one line here.
 */
export const CHANNELS: readonly ChannelModule[] = [
  snsChannel, // deployed: the severity topics
  consoleChannel, // --local: stderr
];

/** The channels of a deployed function; at least one, or the function could tell no one. */
export function deployedChannels(env: NodeJS.ProcessEnv = process.env): ChannelSet {
  const channels = CHANNELS.flatMap((module) => module.fromEnvironment?.(env) ?? []);
  if (channels.length === 0) throw new Error('no delivery channel configured (the stack sets AUTOPILOT_TOPIC_ARNS on every function)');
  return new ChannelSet(channels);
}
