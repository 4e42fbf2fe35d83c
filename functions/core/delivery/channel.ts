import type { MessageConfig } from '../alerts/message.js';
import type { Notification } from '../domain/report.js';
import type { Notifier } from '../ports/notifier.js';
import type { PlannedNotification } from '../alerts/notice.js';

/**
 * A delivery channel (Alertmanager's "integration"): how notices reach people. Routing is not
 * its business: the alert engine has already chosen the severity topic. Each channel keeps its
 * own delivery bookkeeping (its entries in the state's outbox, keyed by `name`), so one channel
 * failing never makes another send twice.
 */
export interface DeliveryChannel extends Notifier {
  /** Keys this channel's outbox entries: stable across deploys, `[a-z0-9-]+`. */
  readonly name: string;
  /** The channel's own rendering of a planned notice; the engine's renderNotification when absent. */
  render?(planned: PlannedNotification, config: MessageConfig): Notification;
}

/** One folder under `channels/`, one line in the registry. */
export interface ChannelModule {
  readonly name: string;
  /** What it delivers to, for the README and logs. */
  readonly description: string;
  /**
   * The channel of a deployed function, from the environment the stack sets; undefined when the
   * stack configured none of it (so adding a channel never breaks a stack that does not use it).
   */
  fromEnvironment?(env: NodeJS.ProcessEnv): DeliveryChannel | undefined;
}

/**
 * Several channels behind the one Notifier a job context carries. The alert engine takes them
 * apart (channelsOf) to keep delivery bookkeeping per channel; a plain publish (the digest)
 * goes to each in turn and fails, after trying them all, if any failed.
 */
export class ChannelSet implements Notifier {
  readonly channels: readonly DeliveryChannel[];

  constructor(channels: readonly DeliveryChannel[]) {
    const names = channels.map((c) => c.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice) throw new Error(`delivery channel "${twice}" given twice: its bookkeeping would be shared`);
    this.channels = channels;
  }

  async publish(notification: Notification): Promise<void> {
    const errors: string[] = [];
    for (const channel of this.channels) {
      try {
        await channel.publish(notification);
      } catch (error) {
        errors.push(`${channel.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }
}

function isChannel(notifier: Notifier): notifier is DeliveryChannel {
  return typeof (notifier as Partial<DeliveryChannel>).name === 'string';
}

/** The channels behind a notifier: a ChannelSet's, the channel itself, or a plain notifier as channel `default`. */
export function channelsOf(notifier: Notifier): readonly DeliveryChannel[] {
  if (notifier instanceof ChannelSet) return notifier.channels;
  if (isChannel(notifier)) return [notifier];
  return [{ name: 'default', publish: (n) => notifier.publish(n) }];
}
