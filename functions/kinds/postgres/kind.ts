import { checkNameOf } from '../../core/config/fields.js';
import { resolvePostgresLogin } from '../../core/secrets/postgres-login.js';
import { defineProbedKind, lazyModule } from '../kind.js';
import { postgresSchema, validatePostgres } from './schema.js';

const probeModule = lazyModule(() => import('../../health/probes/postgres.js'));

/** PostgreSQL databases: `targets.<t>.postgres[]`, probed by functions/health/probes/postgres.ts. */
export const kind = defineProbedKind({
  name: 'postgres',
  configKey: 'postgres',
  label: 'PostgreSQL',
  schema: postgresSchema,
  matrix: {
    /** Cannot connect or authenticate. */
    connect: { critical: 'high' },
    /** Connections over % of max_connections. */
    connections: { warning: 'medium', critical: 'high' },
    longRunningQuery: { warning: 'medium' },
  },
  failureRule: 'connect',
  checkName: (db) => checkNameOf(db),
  plan: (db) => ({ every: db.every, timeout: db.timeout }),
  async probe(db, { target, secrets }) {
    const { probePostgres } = await probeModule();
    // A secret's host, port and dbname (and a rotated username) win; the check keeps its configured name.
    const { host, port, database, user, password } = await resolvePostgresLogin(db, secrets);
    return probePostgres(target, { ...db, name: checkNameOf(db), host, port, database, user }, password);
  },
  validate: validatePostgres,
  // Route 53 and Synthetics can only open a TCP connection to a database.
  cost: () => ({ route53: 'tcp', https: false, stringMatch: false, latency: false }),
});
