import { defineMatrix } from '../../core/kinds/contract.js';

/** The resources kind's rows of the default severity matrix (the runbooks' CPU and memory tables: warn, then alert). */
export const RESOURCES_MATRIX = defineMatrix({
  /** CPU (average since the previous run), memory, swap or load per CPU over the target's warning or critical level. */
  usage: { warning: 'medium', critical: 'high' },
});
