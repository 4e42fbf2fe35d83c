import { ENV } from '../layout.js';
import { type ChannelConfig, type ChannelModule, ChannelSet, type TextSink } from './channel.js';
import { consoleChannel } from './channels/console/index.js';
import { snsChannel } from './channels/sns/index.js';

/**
 * Every delivery channel, one line each; a new channel is one folder under `channels/` and one line here. Which
 * channels a deployment switches on, what a deployed function builds and what a --local run prints to all derive
 * from this list.
 */
export const CHANNELS: readonly ChannelModule[] = [
  snsChannel, // deployed: the severity topics
  consoleChannel, // --local: stderr
];

/** The channels a deployment of this config switches on (the stack names them in AUTOPILOT_CHANNELS). */
export function channelsToDeploy(config: ChannelConfig, modules: readonly ChannelModule[] = CHANNELS): ChannelModule[] {
  return modules.filter((module) => module.fromEnvironment !== undefined && (module.deployedFor?.(config) ?? false));
}

/** AUTOPILOT_CHANNELS: the names, comma-separated. */
export function channelListValue(channels: readonly ChannelModule[]): string {
  return channels.map((c) => c.name).join(',');
}

/**
 * The channels of a deployed function: the ones AUTOPILOT_CHANNELS names, each built from the environment the stack
 * set. At least one, or the function could tell no one; a name no module has is a deployment fault, said so.
 */
export function deployedChannels(env: NodeJS.ProcessEnv = process.env, modules: readonly ChannelModule[] = CHANNELS): ChannelSet {
  const listed = env[ENV.channels];
  if (!listed) throw new Error(`no delivery channel configured (the stack sets ${ENV.channels} on every function)`);
  const channels = listed.split(',').map((name) => {
    const module = modules.find((m) => m.name === name);
    if (!module?.fromEnvironment) throw new Error(`${ENV.channels}: no deployable delivery channel "${name}" in this version`);
    return module.fromEnvironment(env);
  });
  return new ChannelSet(channels);
}

/** The channels of a --local run: each registered channel that works locally, writing to `sink`. */
export function localChannels(sink: TextSink, modules: readonly ChannelModule[] = CHANNELS): ChannelSet {
  return new ChannelSet(modules.flatMap((module) => (module.local ? [module.local(sink)] : [])));
}
