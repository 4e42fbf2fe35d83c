import type { SecretResolver } from '../../core/ports/secrets.js';
import type { PostgresConfig } from './schema.js';

/** Where and as whom to connect: the config's values, with what the credential source adds. */
export interface PostgresLogin {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string | undefined;
  /** Where the password came from, for messages: "passwordParameter /x", "secret db/main", "iamAuth". */
  readonly source: string;
}

type LoginFields = Pick<PostgresConfig, 'host' | 'port' | 'database' | 'user' | 'password' | 'passwordParameter' | 'secret' | 'iamAuth'>;

/**
 * Resolves a database's credentials, in the order a deployed config allows one of:
 * - `secret`: Secrets Manager JSON as RDS writes it. `username` and `password` are used; `host`,
 *   `port` and `dbname` too where present (RDS keeps them current; a rotation that alternates
 *   users changes `username`).
 * - `iamAuth`: a 15-minute RDS IAM token for `user`, signed with the function's role.
 * - `passwordParameter`: an SSM SecureString.
 * Local runs first take `password` or PGPASSWORD (the resolver's `localPassword`).
 */
export async function resolvePostgresLogin(db: LoginFields, secrets: SecretResolver): Promise<PostgresLogin> {
  const base = { host: db.host, port: db.port, database: db.database, user: db.user };
  const local = secrets.localPassword?.(db);
  if (local !== undefined) return { ...base, password: local, source: db.password !== undefined ? 'password' : 'PGPASSWORD' };
  if (db.secret) {
    const source = `secret ${db.secret}`;
    const value = await readOrExplain(() => secrets.read({ secret: db.secret! }), source);
    const json = parseRdsSecret(value, db.secret);
    return {
      host: json.host ?? base.host,
      port: json.port ?? base.port,
      database: json.dbname ?? base.database,
      user: json.username ?? base.user,
      password: json.password,
      source,
    };
  }
  if (db.iamAuth) {
    if (!secrets.databaseToken) throw new Error('iamAuth: this run cannot sign RDS IAM tokens (set PGPASSWORD for a local run)');
    const password = await readOrExplain(() => secrets.databaseToken!(base), 'an RDS IAM token');
    return { ...base, password, source: 'iamAuth' };
  }
  if (db.passwordParameter) {
    const source = `passwordParameter ${db.passwordParameter}`;
    const password = await readOrExplain(() => secrets.read({ parameter: db.passwordParameter! }), source);
    return { ...base, password, source };
  }
  return { ...base, password: undefined, source: 'none' };
}

interface RdsSecret {
  username?: string;
  password: string;
  host?: string;
  port?: number;
  dbname?: string;
}

/** RDS writes `{"username","password"}` (managed master password) or adds engine/host/port/dbname. */
export function parseRdsSecret(value: string, name: string): RdsSecret {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new Error(`secret ${name} is not JSON (expected RDS-style {"username": ..., "password": ...})`);
  }
  if (typeof json !== 'object' || json === null) throw new Error(`secret ${name} is not a JSON object`);
  const o = json as Record<string, unknown>;
  if (typeof o.password !== 'string' || !o.password) throw new Error(`secret ${name} has no "password" string`);
  const text = (key: string) => (typeof o[key] === 'string' && o[key] ? (o[key] as string) : undefined);
  const port = typeof o.port === 'number' ? o.port : typeof o.port === 'string' && /^\d+$/.test(o.port) ? Number(o.port) : undefined;
  return { username: text('username'), password: o.password, host: text('host'), port, dbname: text('dbname') };
}

async function readOrExplain(read: () => Promise<string>, source: string): Promise<string> {
  try {
    return await read();
  } catch (error) {
    const e = error as { name?: string; message?: string };
    throw new Error(`cannot read ${source}: ${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message ?? String(error)}`);
  }
}
