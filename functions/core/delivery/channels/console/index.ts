import type { ChannelModule } from '../../channel.js';

export { ConsoleChannel, type TextSink } from './console-channel.js';

/** The console printer, the channel of `--local` runs (bin/cli/local-context.ts builds it); never deployed. */
export const consoleChannel: ChannelModule = {
  name: 'console',
  description: 'prints each notice to stderr in --local runs',
};
