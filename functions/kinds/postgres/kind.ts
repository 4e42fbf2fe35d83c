import { checkNameOf } from '../../core/config/fields.js';
import { defineProbedKind, lazyModule } from '../../core/kinds/contract.js';
import { resolvePostgresLogin } from './login.js';
import { POSTGRES_MATRIX } from './matrix.js';
import { postgresDeploymentSecretIssues, postgresSchema, validatePostgres } from './schema.js';

const probeModule = lazyModule(() => import('./probe.js'));

/** PostgreSQL databases: `targets.<t>.postgres[]`, probed by ./probe.ts and backed up by the backup job. */
export const kind = defineProbedKind({
  name: 'postgres',
  configKey: 'postgres',
  label: 'PostgreSQL',
  schema: postgresSchema,
  matrix: POSTGRES_MATRIX,
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
  deploymentSecretIssues: postgresDeploymentSecretIssues,
  backedUpDatabase: (db) => (db.backup ? checkNameOf(db) : undefined),
  // Route 53 and Synthetics can only open a TCP connection to a database.
  cost: () => ({ route53: 'tcp', https: false, stringMatch: false, latency: false }),
});
