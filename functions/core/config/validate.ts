import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { secretValueIssues } from './deployment-secrets.js';
import { configSchema, type Config } from './schema.js';

/** Renders a zod path as `targets.mycats.health[0].url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
}

export function issuesOf(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    const where = [prefix, path].filter(Boolean).join(path.startsWith('[') ? '' : '.');
    return `${where || '(root)'}: ${issue.message}`;
  });
}

/** One issue fits one line (`invalid config: targets.web.health[0].url: invalid URL`); more get one line each. */
export function invalidConfig(issues: readonly string[]): ConfigError {
  return new ConfigError(issues.length === 1 ? `invalid config: ${issues[0]}` : `invalid config:\n  ${issues.join('\n  ')}`, issues);
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
