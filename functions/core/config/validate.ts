import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { printable } from '../text/printable.js';
import type { AnyProbedKind } from '../kinds/catalog.js';
import { secretValueIssues } from './deployment-secrets.js';
import { statusPageDeploymentIssues } from './status-page.js';
import type { CoreConfig } from './schema.js';

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

/**
 * Paths of own `__proto__` keys (JSON.parse makes them own properties). zod's records and objects skip the key, so
 * `targets: { web: {...}, __proto__: {...} }` would run without the second target and without a word.
 */
function protoKeyIssues(value: unknown, path: Array<string | number> = [], depth = 0): string[] {
  if (typeof value !== 'object' || value === null || depth > 64) return [];
  let own: string[];
  try {
    own = Object.getOwnPropertyNames(value);
  } catch {
    return []; // a proxy refusing to list its keys: the schema's read reports it
  }
  const here = own.includes('__proto__')
    ? [`${formatPath([...path, '__proto__']) || '__proto__'}: the key "__proto__" is not allowed`]
    : [];
  return [
    ...here,
    ...own
      .filter((key) => key !== '__proto__')
      .flatMap((key) => {
        let child: unknown;
        try {
          child = (value as Record<string, unknown>)[key];
        } catch {
          return []; // a getter that throws is reported by the schema's own read
        }
        return protoKeyIssues(child, [...path, Array.isArray(value) ? Number(key) : key], depth + 1);
      }),
  ];
}

/**
 * Validates a config against the suite's schema for the given kinds (the kinds catalog binds both: functions/kinds/config.ts):
 * `__proto__` keys first, then the schema, then, for a deployment, values that must not be bundled in clear.
 */
export function validateConfigWith<C extends CoreConfig>(
  schema: z.ZodType<C>,
  kinds: readonly AnyProbedKind[],
  input: unknown,
  options: ValidateOptions = {},
): C {
  const proto = protoKeyIssues(input);
  if (proto.length) throw invalidConfig(proto);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw invalidConfig(issuesOf(parsed.error));
  }
  if (options.forDeployment) {
    const issues = [...secretValueIssues(parsed.data, kinds), ...statusPageDeploymentIssues(parsed.data.statusPage)];
    if (issues.length) throw invalidConfig(issues);
  }
  return parsed.data;
}
