import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { printable } from '../printable.js';
import { secretValueIssues } from './deployment-secrets.js';
import { configSchema, type Config } from './schema.js';

/** Renders a zod path as `targets.mycats.health[0].url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
}

/**
 * `path: message` per field. A field gets its first issue only: `-1` for warningDays also breaks the rule against
 * criticalDays, and an empty host is both too short and no host; the first says what to fix.
 */
export function issuesOf(error: z.ZodError, prefix = ''): string[] {
  const seen = new Set<string>();
  return error.issues.flatMap((issue) => {
    const path = formatPath(issue.path);
    const where = [prefix, path].filter(Boolean).join(path.startsWith('[') ? '' : '.') || '(root)';
    if (seen.has(where)) return [];
    seen.add(where);
    return [`${where}: ${issue.message}`];
  });
}

/**
 * One issue fits one line (`invalid config: targets.web.health[0].url: invalid URL`); more get one line each. Key
 * names come from the config as written, so each issue is made printable (a newline in a key stays on its line).
 */
export function invalidConfig(issues: readonly string[]): ConfigError {
  const lines = issues.map((issue) => printable(issue));
  return new ConfigError(lines.length === 1 ? `invalid config: ${lines[0]}` : `invalid config:\n  ${lines.join('\n  ')}`, lines);
}

export interface ValidateOptions {
  /** Deployed functions carry no secret values (passwords, credential headers, URL credentials), only references. */
  readonly forDeployment?: boolean;
}

export function validateConfig(input: unknown, options: ValidateOptions = {}): Config {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw invalidConfig(issuesOf(parsed.error));
  }
  if (options.forDeployment) {
    const issues = secretValueIssues(parsed.data);
    if (issues.length) throw invalidConfig(issues);
  }
  return parsed.data;
}
