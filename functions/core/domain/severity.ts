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

export interface SeverityOverride {
  readonly warning?: AlertSeverity;
  readonly critical?: AlertSeverity;
}

/**
 * The severity of one observation, by one row of the severity matrix (a kind's `matrix[rule]`) and the check's
 * override. A level with no cell in the row falls back to the other cell, so a rule with only a critical cell still
 * alerts on a warning-level breach.
 */
export function classify(row: SeverityOverride, level: Level, override?: SeverityOverride): Severity {
  if (level === 'ok') return 'ok';
  const cells: SeverityOverride = { ...row, ...override };
  return (level === 'warning' ? (cells.warning ?? cells.critical) : (cells.critical ?? cells.warning)) ?? 'ok';
}

/** Response targets from the runbooks' incident tables; `repeatEvery` defaults to these. */
export const DEFAULT_RESPOND_WITHIN: Record<AlertSeverity, string> = {
  critical: '15m',
  high: '1h',
  medium: '8h',
  low: '1w',
};
