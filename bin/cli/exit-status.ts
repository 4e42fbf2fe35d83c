import type { Finding } from '../../functions/core/domain/finding.js';
import { rank, type AlertSeverity } from '../../functions/core/domain/severity.js';

/**
 * The CLI's exit statuses (docs/cli.md, "Exit status"). Cron and CI read them, so each means one thing;
 * when several apply the highest-priority one wins: usage > fault > fail-on.
 */
export const EXIT = {
  /** The command completed, whatever it found. */
  ok: 0,
  /** A bug: the message says "internal error". */
  internal: 1,
  /** A usage or config error; the message names the flag or field path. */
  usage: 2,
  /** `--fail-on <severity>`: a finding at or above it; `doctor`: a check failed. */
  failOn: 3,
  /** The store or a service the command needs refused: full, read-only, not a directory, locked, unreachable, login refused. */
  fault: 4,
} as const;

/** The findings at or above `failOn`, worst first: what made the run exit 3. */
export function findingsAtOrAbove(findings: readonly Finding[], failOn: AlertSeverity): Finding[] {
  return findings.filter((f) => rank(f.severity) >= rank(failOn)).sort((a, b) => rank(b.severity) - rank(a.severity));
}
