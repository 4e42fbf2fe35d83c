import type { Config } from './schema.js';

/** Header names that carry credentials by convention. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|key|passw|auth|session|signature|credential/i;
/** Values that are credentials whatever the header is called. */
const CREDENTIAL_VALUE = /^(bearer|basic|digest|token|apikey)\s+\S/i;
/** Query parameters that carry credentials by convention (?token=, ?api_key=, ?sig=). */
const CREDENTIAL_PARAM = /^(token|access_token|api[-_]?key|key|secret|password|passwd|pwd|sig|signature|auth)$/i;

const HOW = 'store it in Secrets Manager (or as an SSM SecureString) and give { secret: "<name or ARN>" } (or { parameter: "<name>" })';

/**
 * Credentials written into a deployed config would be bundled, in clear, into the functions'
 * code. Returns one issue per such value, with its field path: a password, a credential-bearing
 * header given as plain text, or credentials in a URL (user:password@ or a token parameter).
 */
export function secretValueIssues(config: Config): string[] {
  const issues: string[] = [];
  for (const [target, t] of Object.entries(config.targets)) {
    for (const [i, p] of (t.postgres ?? []).entries()) {
      if (p.password !== undefined)
        issues.push(
          `targets.${target}.postgres[${i}].password: passwords are refused in deployed config; store it as an SSM SecureString and set ` +
            `passwordParameter (or use secret or iamAuth)`,
        );
    }
    for (const [i, h] of (t.health ?? []).entries()) {
      const at = `targets.${target}.health[${i}]`;
      const url = URL.canParse(h.url) ? new URL(h.url) : undefined;
      if (url && (url.username || url.password))
        issues.push(`${at}.url: credentials in the URL (user:password@) are refused in deployed config; ${HOW} in headers.Authorization`);
      for (const name of url ? new Set(url.searchParams.keys()) : []) {
        if (CREDENTIAL_PARAM.test(name))
          issues.push(`${at}.url: query parameter "${name}" looks like a credential; ${HOW} in a header (e.g. headers.Authorization)`);
      }
      for (const [name, value] of Object.entries(h.headers ?? {})) {
        if (typeof value === 'string' && (CREDENTIAL_HEADER.test(name) || CREDENTIAL_VALUE.test(value)))
          issues.push(`${at}.headers.${name}: plain header values that carry credentials are refused in deployed config; ${HOW}`);
      }
    }
  }
  return issues;
}
