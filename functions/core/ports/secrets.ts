import type { SecretRefConfig } from '../config/fields.js';

/** What a config names instead of a secret value: `{ secret, field? }` (Secrets Manager) or `{ parameter }` (SSM). */
export type SecretRef = SecretRefConfig;

/** What an RDS IAM authentication token is signed for. */
export interface DatabaseTokenRequest {
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

/**
 * Reads secrets by reference, for database passwords, HTTP header values and tokens alike:
 * SSM SecureStrings and Secrets Manager when deployed, environment variables on a laptop.
 */
export interface SecretResolver {
  /** The value the reference names: the whole secret string, or one JSON field of it with `field`. */
  read(ref: SecretRef): Promise<string>;
  /** A short-lived RDS IAM authentication token (`iamAuth: true`). */
  databaseToken?(request: DatabaseTokenRequest): Promise<string>;
  /**
   * Local runs only: the password to use when the config holds one (`password`) or PGPASSWORD is
   * set; undefined lets the reference decide. Deployed resolvers leave it out.
   */
  localPassword?(db: { readonly password?: string }): string | undefined;
}
