import { type AnyProbedKind, checksOfTarget } from '../kinds/catalog.js';
import type { CoreConfig } from './schema.js';

/**
 * Credentials written into a deployed config would be bundled, in clear, into the functions' code. Returns one issue
 * per such value, with its field path, as each kind judges its own checks (`deploymentSecretIssues`: a password, a
 * credential-bearing header given as plain text, credentials in a URL).
 */
export function secretValueIssues(config: CoreConfig, kinds: readonly AnyProbedKind[]): string[] {
  const issues: string[] = [];
  for (const [target, t] of Object.entries(config.targets)) {
    for (const c of checksOfTarget(target, t, kinds)) {
      c.kind.deploymentSecretIssues?.(c.check, (path, message) => {
        const where = path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('');
        issues.push(`${c.path}${where}: ${message}`);
      });
    }
  }
  return issues;
}
