import type { Finding } from '../../functions/core/domain/finding.js';
import type { Report } from '../../functions/core/domain/report.js';

const MARK: Record<Finding['severity'], string> = { ok: 'ok', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', critical: 'CRITICAL' };

/** The human form of a report: one line per finding, worst first within each job. */
export function formatReport(report: Report): string {
  const lines = [`${report.job}: ${report.findings.length} finding(s), ${report.notifications.length} notification(s)`];
  const width = Math.max(0, ...report.findings.map((f) => `${f.target}/${f.check}`.length));
  for (const f of report.findings) {
    lines.push(`  ${MARK[f.severity].padEnd(8)} ${`${f.target}/${f.check}`.padEnd(width)}  ${f.summary}`);
  }
  for (const u of report.undelivered ?? []) lines.push(`  ! not delivered to ${u.topic}: ${u.error} (sent again next run)`);
  for (const w of report.warnings ?? []) lines.push(`  ! ${w}`);
  return lines.join('\n');
}

/** `run all --json` still prints exactly one report: the jobs' findings and notifications together. */
export function mergeReports(reports: readonly Report[]): Report {
  const undelivered = reports.flatMap((r) => r.undelivered ?? []);
  const warnings = reports.flatMap((r) => r.warnings ?? []);
  return {
    job: 'all' as Report['job'],
    startedAt: reports[0]?.startedAt ?? new Date().toISOString(),
    finishedAt: reports.at(-1)?.finishedAt ?? new Date().toISOString(),
    findings: reports.flatMap((r) => r.findings),
    notifications: reports.flatMap((r) => r.notifications),
    ...(undelivered.length ? { undelivered } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
}
