import type { SecretRef, SecretResolver } from '../../ports/secrets.js';

/**
 * The variable a local run reads a reference from: `AUTOPILOT_SECRET_` and the name (and field)
 * in capitals, every other character as "_". `{ secret: "prod/api-token" }` is
 * AUTOPILOT_SECRET_PROD_API_TOKEN; `{ parameter: "/shop/db" }` is AUTOPILOT_SECRET_SHOP_DB.
 */
export function localSecretVariable(ref: SecretRef): string {
  const name = 'parameter' in ref ? ref.parameter : `${ref.secret}${ref.field ? `_${ref.field}` : ''}`;
  return `AUTOPILOT_SECRET_${name
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()}`;
}

/** A resolver for --local runs: references from environment variables, the password from the config or PGPASSWORD. */
export function localSecretsFrom(env: NodeJS.ProcessEnv): SecretResolver {
  return {
    async read(ref) {
      const variable = localSecretVariable(ref);
      const value = env[variable];
      if (value === undefined) throw new Error(`not set for local runs: set ${variable}`);
      return value;
    },
    localPassword(db) {
      return db.password ?? env.PGPASSWORD;
    },
  };
}

/** --local runs: the password from the config (local only) or PGPASSWORD, references from AUTOPILOT_SECRET_* variables. */
export const localSecrets: SecretResolver = {
  read: (ref) => localSecretsFrom(process.env).read(ref),
  localPassword: (db) => localSecretsFrom(process.env).localPassword!(db),
};

/** A resolver with one fixed password and no references: tests and benches. */
export function fixedPassword(password: string | undefined): SecretResolver {
  return {
    read: async (ref) => {
      throw new Error(`no secret ${'parameter' in ref ? ref.parameter : ref.secret} in this run`);
    },
    localPassword: () => password,
  };
}
