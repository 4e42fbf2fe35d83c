import type { Severity } from './severity.js';

/**
 * A check kind's name (`http`, `backup`, ...). Core takes any: the registered kinds are the kinds layer's
 * (functions/kinds/registry.ts), whose catalog types them as `KindName`.
 */
export type CheckKind = string;

/** One observation of one check of one target: plain data, the unit the alert engine works on. */
export interface Finding {
  readonly target: string;
  readonly check: string;
  readonly kind: CheckKind;
  readonly severity: Severity;
  readonly summary: string;
  readonly observed?: Readonly<Record<string, unknown>>;
}

export function alertKey(finding: Pick<Finding, 'target' | 'check'>): string {
  return `${finding.target}/${finding.check}`;
}
