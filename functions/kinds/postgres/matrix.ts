import { defineMatrix } from '../../core/kinds/contract.js';

/** The postgres kind's rows of the default severity matrix; its probe judges by them, its kind.ts declares them. */
export const POSTGRES_MATRIX = defineMatrix({
  /** Cannot connect or authenticate. */
  connect: { critical: 'high' },
  /** Connections over % of max_connections. */
  connections: { warning: 'medium', critical: 'high' },
  longRunningQuery: { warning: 'medium' },
  /** The monitoring login cannot see other roles' sessions (no pg_monitor): what it cannot observe is said, never ok. */
  visibility: { warning: 'low' },
});

/** A row of the postgres matrix. */
export type PostgresRule = keyof typeof POSTGRES_MATRIX;
