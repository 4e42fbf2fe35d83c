import { defineMatrix } from '../../core/kinds/contract.js';

/** The process kind's rows of the default severity matrix. */
export const PROCESS_MATRIX = defineMatrix({
  /** Not running: fewer than `min` processes, a systemd unit not active, a PM2 app not online or in a restart loop. */
  down: { critical: 'high' },
  /** A process's resident size over the configured `maxRss`. */
  memory: { warning: 'medium' },
});
