import type { MessageConfig } from '../alerts/message.js';
import type { Notification } from '../domain/report.js';
import type { Notifier } from '../ports/notifier.js';
import type { CoreConfig } from '../config/schema.js';
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

/** Where a local channel writes (the terminal's stderr in --local runs). */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * One folder under `channels/`, one line in the registry. Every list of channels is derived from the registry: which
 * a deployment switches on (`deployedFor`; the stack names them in AUTOPILOT_CHANNELS and adds the environment of the
 * ones that need AWS resources), how a deployed function builds them (`fromEnvironment`), and which a --local run
 * uses (`local`).
 */
export interface ChannelModule {
  /** Stable across deploys, `[a-z0-9-]+`: it keys the channel's outbox entries. */
  readonly name: string;
  /** What it delivers to, for the docs' channel table (npm run docs) and logs. */
  readonly description: string;
  /** Whether a deployment of this config delivers on the channel. Absent: never deployed (a local-only channel). */
  deployedFor?(config: ChannelConfig): boolean;
  /**
   * The channel of a deployed function, from the environment the stack sets (its own variables, when it needs AWS
   * resources; a channel needing none builds from nothing). Throws naming the variable when it is missing or malformed.
   */
  fromEnvironment?(env: NodeJS.ProcessEnv): DeliveryChannel;
  /** The channel of a --local run, writing to the terminal. Absent: not used locally. */
  local?(sink: TextSink): DeliveryChannel;
}

/** What a channel may read of the config to decide whether a deployment uses it. */
export type ChannelConfig = Pick<CoreConfig, 'subscribers'>;

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
