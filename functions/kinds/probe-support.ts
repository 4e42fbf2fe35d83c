import dns, { type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { classify, rank, worst, type Level, type Severity, type SeverityOverride } from '../core/domain/severity.js';
import type { KindMatrix } from '../core/kinds/contract.js';

/*
 * What the probed kinds share, in the kinds layer's one common module: how a probe's aspects become one severity
 * and one summary, certificate and connection wording, the units of summaries, and the DNS lookup cache. A kind
 * folder imports core, its own files and this module only, so kinds never import each other.
 */

/** One judged aspect of a probe's result (availability, response time, certificate, connections, ...). */
export interface Aspect<Rule extends string = string> {
  /** A row of the kind's own matrix (functions/kinds/<kind>/matrix.ts). */
  readonly rule: Rule;
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
export function judgeAspects<Rule extends string>(
  matrix: KindMatrix<Rule>,
  aspects: readonly Aspect<NoInfer<Rule>>[],
  override: SeverityOverride | undefined,
  okSummary: () => string,
): Pick<Verdict, 'severity' | 'summary'> {
  const judged = aspects.map((aspect) => ({ ...aspect, severity: classify(matrix[aspect.rule], aspect.level, override) }));
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
export function certificateAspects<Rule extends string>(
  rule: Rule,
  daysLeft: number,
  thresholds: { readonly warningDays?: number; readonly criticalDays?: number } | undefined,
): Aspect<Rule>[] {
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

// --- Units in summaries -----------------------------------------------------------------------

/** "850 ms" under a second, "3.2 s" above: the unit people read in alert summaries. */
export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1_000).toFixed(1))} s`;
}

/**
 * A value as it appears in a summary: strings quoted, long ones shortened. The value may come from a server's JSON:
 * one nested thousands of levels deep overflows JSON.stringify's stack, and is shown by its opening bracket.
 */
export function quote(value: unknown, max = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? '[…]' : '{…}';
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Milliseconds kept to a tenth, enough for timing and short in JSON. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

// --- DNS lookups shared by the probes ---------------------------------------------------------

type ResolveAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** How long resolved addresses are reused: about one run of the health job, well under any schedule. */
export const DNS_CACHE_TTL_MS = 30_000;

/**
 * A `lookup` for node:net that shares one resolution per host name among probes. dns.lookup runs
 * getaddrinfo on libuv's 4 worker threads, so 500 probes of one host would otherwise queue 500
 * lookups behind each other, and that queueing would count as the probes' response time.
 * Failures are not kept: the next probe asks again.
 */
export function createCachedLookup(resolveAll: ResolveAll = dns.lookup as ResolveAll, ttlMs = DNS_CACHE_TTL_MS): LookupFunction {
  const cache = new Map<string, { expires: number; addresses: Promise<LookupAddress[]> }>();
  return (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : 0;
    const key = `${family}/${options.hints ?? 0}/${hostname}`;
    const now = Date.now();
    let entry = cache.get(key);
    if (!entry || entry.expires <= now) {
      const addresses = new Promise<LookupAddress[]>((resolve, reject) =>
        resolveAll(hostname, { all: true, family, hints: options.hints }, (error, found) => (error ? reject(error) : resolve(found))),
      );
      const fresh = { expires: now + ttlMs, addresses };
      entry = fresh;
      cache.set(key, fresh);
      addresses.catch(() => {
        if (cache.get(key) === fresh) cache.delete(key);
      });
    }
    entry.addresses.then(
      (addresses) => {
        if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        else {
          const first = addresses[0];
          if (first) callback(null, first.address, first.family);
          else callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** The process-wide lookup the HTTP probe uses. */
export const cachedLookup = createCachedLookup();
