import { matrixOfKinds, type MatrixRule } from '../../kinds/catalog.js';

export const SEVERITIES = ['ok', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type AlertSeverity = Exclude<Severity, 'ok'>;
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['critical', 'high', 'medium', 'low'];

/** How bad a measured value is, before the matrix turns it into a severity. */
export type Level = 'ok' | 'warning' | 'critical';

export function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function worst(severities: Iterable<Severity>): Severity {
  let result: Severity = 'ok';
  for (const s of severities) if (rank(s) > rank(result)) result = s;
  return result;
}

/**
 * The default severity matrix (CONTRACT section 4): each check kind's rows (functions/kinds/<kind>/kind.ts)
 * under `<kind>.<rule>`. A rule maps a level to a severity; `undefined` means the matrix has no such
 * cell (for example a connect failure has no warning).
 */
export const DEFAULT_MATRIX = matrixOfKinds();

export type { MatrixRule };

export interface SeverityOverride {
  readonly warning?: AlertSeverity;
  readonly critical?: AlertSeverity;
}

/**
 * The severity of one observation. A level with no cell in the matrix falls back to the
 * other cell, so a rule with only a critical cell still alerts on a warning-level breach.
 */
export function classify(rule: MatrixRule, level: Level, override?: SeverityOverride): Severity {
  if (level === 'ok') return 'ok';
  const cells: { warning?: AlertSeverity; critical?: AlertSeverity } = { ...DEFAULT_MATRIX[rule], ...override };
  return (level === 'warning' ? (cells.warning ?? cells.critical) : (cells.critical ?? cells.warning)) ?? 'ok';
}

/** Response targets from the runbooks' incident tables; `repeatEvery` defaults to these. */
export const DEFAULT_RESPOND_WITHIN: Record<AlertSeverity, string> = {
  critical: '15m',
  high: '1h',
  medium: '8h',
  low: '1w',
};
