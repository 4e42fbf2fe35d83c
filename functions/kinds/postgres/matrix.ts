import { defineMatrix } from '../../core/kinds/contract.js';

/** The postgres kind's rows of the default severity matrix; its probe judges by them, its kind.ts declares them. */
export const POSTGRES_MATRIX = defineMatrix({
  connect: { critical: 'high', description: 'cannot connect or authenticate, certificate not trusted' },
  connections: { warning: 'medium', critical: 'high', description: 'connections in use over % of max_connections' },
  longRunningQuery: { warning: 'medium', description: 'a query running longer than the threshold' },
  visibility: {
    warning: 'low',
    description: "the monitoring login cannot see other roles' sessions (no pg_monitor): what it cannot observe, never ok",
  },
});

/** A row of the postgres matrix. */
export type PostgresRule = keyof typeof POSTGRES_MATRIX;
