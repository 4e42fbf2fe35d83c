import { classify, rank, worst, type Level, type MatrixRule, type Severity, type SeverityOverride } from '../core/domain/severity.js';
import { formatMs } from '../health/format.js';

/** One judged aspect of a probe's result (availability, response time, certificate, connections, ...). */
export interface Aspect {
  readonly rule: MatrixRule;
  readonly level: Exclude<Level, 'ok'>;
  readonly message: string;
}

export interface Verdict {
  readonly severity: Severity;
  readonly summary: string;
  readonly observed: Record<string, unknown>;
}

/**
 * The one severity and one summary line of a probe: each aspect through the matrix (with the
 * check's override), the worst wins, and the summary lists the problems worst first, or, with none,
 * says what went well. Shared by every kind so that findings read alike.
 */
export function judgeAspects(
  aspects: readonly Aspect[],
  override: SeverityOverride | undefined,
  okSummary: () => string,
): Pick<Verdict, 'severity' | 'summary'> {
  const judged = aspects.map((aspect) => ({ ...aspect, severity: classify(aspect.rule, aspect.level, override) }));
  const problems = judged.filter((a) => a.severity !== 'ok').sort((a, b) => rank(b.severity) - rank(a.severity));
  const severity = worst(judged.map((a) => a.severity));
  const summary = problems.length ? problems.map((a) => a.message).join('; ') : okSummary();
  return { severity, summary };
}

export const DEFAULT_CERTIFICATE_WARNING_DAYS = 30;
export const DEFAULT_CERTIFICATE_CRITICAL_DAYS = 7;
const DAY_MS = 86_400_000;

/** Whole days from `now` to the certificate's end; negative once expired. */
export function certificateDaysLeft(validTo: Date, now: Date): number {
  return Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
}

/** Days left under the check's thresholds (30 and 7 by default) as an aspect of `rule`. */
export function certificateAspects(
  rule: MatrixRule,
  daysLeft: number,
  thresholds: { readonly warningDays?: number; readonly criticalDays?: number } | undefined,
): Aspect[] {
  const warningDays = thresholds?.warningDays ?? DEFAULT_CERTIFICATE_WARNING_DAYS;
  const criticalDays = thresholds?.criticalDays ?? DEFAULT_CERTIFICATE_CRITICAL_DAYS;
  const level = daysLeft < criticalDays ? 'critical' : daysLeft < warningDays ? 'warning' : undefined;
  if (!level) return [];
  const when =
    daysLeft < 0 ? `expired ${-daysLeft} day${daysLeft === -1 ? '' : 's'} ago` : `expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`;
  return [{ rule, level, message: `certificate ${when}` }];
}

/**
 * How a failed connection reads in a summary, alike for every kind that opens sockets: refused,
 * timed out, host not found, TLS (certificate or handshake), reset, else Node's message and code.
 */
export function connectionErrorMessage(error: { readonly code: string; readonly message: string }, timeoutMs: number): string {
  if (error.code === 'ETIMEDOUT') return `timeout after ${formatMs(timeoutMs)}`;
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return `host not found (${error.code})`;
  if (isTlsError(error.code)) return `TLS error: ${withoutNodeHint(error.message)} (${error.code})`;
  if (error.code === 'ECONNRESET') return 'connection reset';
  return `${error.message} (${error.code})`;
}

/** Node's and OpenSSL's codes for a failed TLS handshake or an unverifiable certificate. */
export function isTlsError(code: string): boolean {
  return /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/.test(code);
}

/** Node 24 appends advice for its own command line ("; if the root CA is installed locally, try running Node.js
 * with --use-system-ca") to certificate errors; an operator reading the alert cannot act on it. */
export function withoutNodeHint(message: string): string {
  return message.replace(/; if the root CA is installed locally.*$/s, '');
}
