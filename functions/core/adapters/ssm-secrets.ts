import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import type { PostgresConfig } from '../config/schema.js';
import type { SecretResolver } from '../ports/secrets.js';

/** Deployed functions read database passwords from SSM SecureString parameters, cached 5 minutes. */
export const ssmSecrets: SecretResolver = {
  async postgresPassword(db: PostgresConfig) {
    if (!db.passwordParameter) return undefined;
    return getParameter(db.passwordParameter, { decrypt: true, maxAge: 300 });
  },
};
