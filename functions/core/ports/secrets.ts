import type { PostgresConfig } from '../config/schema.js';

/** Resolves a database password: SSM SecureString when deployed, config or PGPASSWORD locally. */
export interface SecretResolver {
  postgresPassword(db: PostgresConfig): Promise<string | undefined>;
}
