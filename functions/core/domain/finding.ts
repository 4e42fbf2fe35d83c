import type { KindName } from '../../kinds/catalog.js';
import type { Severity } from './severity.js';

/** The registered check kinds (functions/kinds/registry.ts). */
export type CheckKind = KindName;

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
