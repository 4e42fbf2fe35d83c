import type { ChannelModule } from '../../channel.js';
import { ConsoleChannel } from './console-channel.js';

export { ConsoleChannel } from './console-channel.js';

/** The console printer, the channel of `--local` runs; never deployed. */
export const consoleChannel: ChannelModule = {
  name: 'console',
  description: 'prints each notice to stderr in --local runs',
  local: (sink) => new ConsoleChannel(sink),
};
