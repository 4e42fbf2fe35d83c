import type { PostgresConfig } from '../config/schema.js';
import type { SecretResolver } from '../ports/secrets.js';

/** --local runs take the password from the config (local only) or from PGPASSWORD. */
export const localSecrets: SecretResolver = {
  async postgresPassword(db: PostgresConfig) {
    return db.password ?? process.env.PGPASSWORD;
  },
};
