import { defineMatrix } from '../../core/kinds/contract.js';

/** The resources kind's rows of the default severity matrix (the runbooks' CPU and memory tables: warn, then alert). */
export const RESOURCES_MATRIX = defineMatrix({
  usage: {
    warning: 'medium',
    critical: 'high',
    description: "CPU (average since the previous run), memory, swap or load per CPU over the target's %",
  },
});
