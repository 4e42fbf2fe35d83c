import { defineMatrix } from '../../core/kinds/contract.js';

/** The process kind's rows of the default severity matrix. */
export const PROCESS_MATRIX = defineMatrix({
  down: {
    critical: 'high',
    description: 'fewer than `min` processes running, a systemd unit not active, a PM2 app not online or in a restart loop',
  },
  memory: { warning: 'medium', description: "a process's resident size over its `maxRss`" },
});
