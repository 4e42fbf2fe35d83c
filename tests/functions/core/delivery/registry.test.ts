import { describe, expect, it } from 'vitest';
import { ChannelSet, channelsOf, type DeliveryChannel } from '../../../../functions/core/delivery/channel.js';
import { SnsChannel } from '../../../../functions/core/delivery/channels/sns/index.js';
import { CHANNELS, deployedChannels } from '../../../../functions/core/delivery/registry.js';
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

describe('delivery channel registry', () => {
  it('lists each channel once, by a stable name', () => {
    expect(CHANNELS.map((c) => c.name)).toEqual(['sns', 'console']);
  });

  it('a deployed function delivers on SNS when the stack set its topic ARNs, and refuses to run with no channel', () => {
    const set = deployedChannels({ AUTOPILOT_TOPIC_ARNS: JSON.stringify(ARNS) });
    expect(set.channels.map((c) => c.name)).toEqual(['sns']);
    expect(set.channels[0]).toBeInstanceOf(SnsChannel);
    expect(() => deployedChannels({})).toThrow('no delivery channel configured');
    expect(() => deployedChannels({ AUTOPILOT_TOPIC_ARNS: '{"critical":"x"}' })).toThrow('AUTOPILOT_TOPIC_ARNS is not a map of topic ARNs');
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
