import { describe, expect, it } from 'vitest';
import { ChannelSet, type ChannelModule, channelsOf, type DeliveryChannel } from '../../../../functions/core/delivery/channel.js';
import { ConsoleChannel } from '../../../../functions/core/delivery/channels/console/index.js';
import { SnsChannel } from '../../../../functions/core/delivery/channels/sns/index.js';
import { CHANNELS, channelsToDeploy, deployedChannels, localChannels } from '../../../../functions/core/delivery/registry.js';
import type { Notification } from '../../../../functions/core/domain/report.js';

const ARNS = {
  critical: 'arn:aws:sns:ap-northeast-1:123456789012:c',
  high: 'arn:aws:sns:ap-northeast-1:123456789012:h',
  medium: 'arn:aws:sns:ap-northeast-1:123456789012:m',
  low: 'arn:aws:sns:ap-northeast-1:123456789012:l',
  digest: 'arn:aws:sns:ap-northeast-1:123456789012:d',
};

const notice: Notification = {
  topic: 'digest',
  severity: 'digest',
  subject: 'digest',
  message: 'm',
  attributes: { severity: 'digest', target: ['a'], check: ['digest'] },
};

function recording(name: string, fails = false): DeliveryChannel & { got: Notification[] } {
  const got: Notification[] = [];
  return {
    name,
    got,
    async publish(n) {
      if (fails) throw new Error(`${name} down`);
      got.push(n);
    },
  };
}

/** A channel a contributor might add: no AWS resources, deployed for every config, built from nothing. */
const logChannel: ChannelModule & { built: DeliveryChannel[] } = {
  name: 'log',
  description: 'writes each notice as one JSON line to the function log',
  built: [],
  deployedFor: () => true,
  fromEnvironment() {
    const channel = recording('log');
    this.built.push(channel);
    return channel;
  },
};

describe('delivery channel registry', () => {
  it('names each channel once, by a stable name, says what it delivers to, and gives every channel a way to run', () => {
    const names = CHANNELS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const channel of CHANNELS) {
      expect(channel.name, channel.name).toMatch(/^[a-z0-9-]+$/);
      expect(channel.description.length, channel.name).toBeGreaterThan(10);
      expect(channel.fromEnvironment ?? channel.local, channel.name).toBeDefined();
    }
  });

  it('switches on, for a deployment, the channels the registry says it uses, and a deployed function builds exactly those', () => {
    const config = { subscribers: {} };
    const deployed = channelsToDeploy(config);
    // Every module with a deployed form that wants this config, and no local-only one.
    expect(deployed).toEqual(CHANNELS.filter((c) => c.fromEnvironment && c.deployedFor?.(config)));
    expect(deployed.every((c) => c.fromEnvironment)).toBe(true);
    const set = deployedChannels({ AUTOPILOT_CHANNELS: deployed.map((c) => c.name).join(','), AUTOPILOT_TOPIC_ARNS: JSON.stringify(ARNS) });
    expect(set.channels.map((c) => c.name)).toEqual(deployed.map((c) => c.name));
    expect(set.channels.find((c) => c.name === 'sns')).toBeInstanceOf(SnsChannel);
  });

  it('refuses to run a deployed function with no channel, an unknown one, or a channel whose environment is missing', () => {
    expect(() => deployedChannels({})).toThrow('no delivery channel configured');
    expect(() => deployedChannels({ AUTOPILOT_CHANNELS: 'pigeon' })).toThrow('no deployable delivery channel "pigeon"');
    expect(() => deployedChannels({ AUTOPILOT_CHANNELS: 'sns' })).toThrow('AUTOPILOT_TOPIC_ARNS is not set');
    expect(() => deployedChannels({ AUTOPILOT_CHANNELS: 'sns', AUTOPILOT_TOPIC_ARNS: '{"critical":"x"}' })).toThrow(
      'AUTOPILOT_TOPIC_ARNS is not a map of topic ARNs',
    );
  });

  it('switches on a channel that needs no AWS resources by its name alone', () => {
    const modules = [...CHANNELS, logChannel];
    const deployed = channelsToDeploy({ subscribers: {} }, modules);
    expect(deployed.map((c) => c.name)).toContain('log');
    const set = deployedChannels(
      { AUTOPILOT_CHANNELS: deployed.map((c) => c.name).join(','), AUTOPILOT_TOPIC_ARNS: JSON.stringify(ARNS) },
      modules,
    );
    expect(set.channels.map((c) => c.name)).toEqual(deployed.map((c) => c.name));
    expect(logChannel.built).toHaveLength(1);
  });

  it('gives a --local run every channel that works locally, through the registry', () => {
    const written: string[] = [];
    const set = localChannels({ write: (text: string) => written.push(text) });
    expect(set.channels.map((c) => c.name)).toEqual(CHANNELS.filter((c) => c.local).map((c) => c.name));
    expect(set.channels.some((c) => c instanceof ConsoleChannel)).toBe(true);
  });

  it('a ChannelSet publishes to every channel, failing after trying them all; the engine takes it apart', async () => {
    const a = recording('a', true);
    const b = recording('b');
    const set = new ChannelSet([a, b]);
    await expect(set.publish(notice)).rejects.toThrow('a: a down');
    expect(b.got).toEqual([notice]);
    expect(channelsOf(set).map((c) => c.name)).toEqual(['a', 'b']);
    expect(channelsOf(b)).toEqual([b]);
    expect(channelsOf({ publish: async () => undefined }).map((c) => c.name)).toEqual(['default']);
    expect(() => new ChannelSet([a, recording('a')])).toThrow('delivery channel "a" given twice');
  });
});
