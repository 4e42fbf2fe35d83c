import { HTTP_MATRIX, type HttpRule } from './matrix.js';
import { durationMs } from '../../core/config/duration.js';
import {
  type Aspect,
  certificateAspects,
  certificateDaysLeft,
  connectionErrorMessage,
  isTlsError,
  judgeAspects,
  type Verdict,
} from '../probe-support.js';
import { formatMs, quote, roundMs } from '../probe-support.js';
import { decodeBody } from './body.js';
import { BODY_CAP_BYTES, type Exchange, type ExchangeError } from './exchange.js';
import { describeChain, displayUrl } from './follow.js';
import type { HealthCheckConfig } from './schema.js';

export { DEFAULT_CERTIFICATE_CRITICAL_DAYS, DEFAULT_CERTIFICATE_WARNING_DAYS } from '../probe-support.js';
export type { Aspect, Verdict } from '../probe-support.js';

type Check = Pick<HealthCheckConfig, 'method' | 'timeout' | 'expect' | 'responseTime' | 'certificate' | 'severity'> & {
  readonly followRedirects?: boolean;
};
/** An answer, and the URLs asked on the way to it when redirects were followed (the configured one first). */
type Answer = Exchange & { readonly chain?: readonly URL[] };

/** Turns what happened on the wire into one severity and one summary line; pure. */
export function judgeExchange(check: Check, result: Answer, now: Date = new Date()): Verdict {
  const aspects: Aspect<HttpRule>[] = [];
  const observed: Record<string, unknown> = { method: check.method };
  if (result.status !== undefined) observed.status = result.status;
  if (result.headersMs !== undefined) observed.responseTimeMs = roundMs(result.headersMs);
  observed.bytesRead = result.body.length;
  if (result.bodyTruncated) observed.bodyTruncated = true;
  if (result.chain && result.chain.length > 1) observed.redirects = result.chain.slice(1).map(displayUrl);

  const daysLeft = result.certificate && certificateDaysLeft(result.certificate.validTo, now);
  if (result.certificate && daysLeft !== undefined) {
    observed.certificateDaysLeft = daysLeft;
    observed.certificateValidTo = result.certificate.validTo.toISOString();
  }
  if (result.error) {
    observed.error = result.error.code;
    observed.errorMessage = result.error.message;
    aspects.push({ rule: 'availability', level: 'critical', message: errorMessage(result.error, check, result.chain) });
  }

  // An answer whose redirect was refused is judged by that refusal alone: its 3xx status is no verdict.
  if (result.status !== undefined && result.error?.phase !== 'redirect') {
    aspects.push(...statusAspects(check, result.status, result.chain));
    if (!result.error) aspects.push(...bodyAspects(check, result));
    if (result.headersMs !== undefined) aspects.push(...responseTimeAspects(check, result.headersMs));
  }
  if (daysLeft !== undefined) aspects.push(...certificateAspects('certificate', daysLeft, check.certificate));

  return { ...judgeAspects(HTTP_MATRIX, aspects, check.severity, () => okSummary(result)), observed };
}

function okSummary(result: Answer): string {
  const hops = (result.chain?.length ?? 1) - 1;
  const after = hops > 0 ? ` after ${hops} redirect${hops === 1 ? '' : 's'}` : '';
  return `${result.status} in ${formatMs(result.headersMs ?? result.totalMs)}${after}`;
}

/**
 * The failure in words. After a redirect, the hop that failed is named (`http://a/x -> http://b:8080/y: connection
 * refused`): the configured URL answered, and "connection refused" alone would send the reader to the wrong server.
 */
function errorMessage(error: ExchangeError, check: Check, chain: readonly URL[] | undefined): string {
  if (error.phase === 'redirect') return error.message;
  const during = error.phase === 'body' ? ' (reading body)' : '';
  const hop = chain && chain.length > 1 ? `${describeChain(chain)}: ` : '';
  if (error.code === 'ABORTED') return `${hop}${error.message}${during}`;
  const message = connectionErrorMessage(error, durationMs(check.timeout));
  // Refused, not found and TLS errors happen before any answer, so only the others can be "reading body".
  return error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' || isTlsError(error.code)
    ? `${hop}${message}`
    : `${hop}${message}${during}`;
}

/**
 * Without `expect.status`: 200-299 at the end of the redirects (Gatus's, Uptime Kuma's and blackbox_exporter's
 * default), or 200-399 for the first answer when redirects are not followed (a 3xx is then the answer).
 */
export function describeExpectedStatus(expected: number | readonly number[] | undefined, followRedirects = true): string {
  if (expected === undefined) return followRedirects ? '200-299' : '200-399';
  return Array.isArray(expected) ? expected.join(', ') : String(expected);
}

function statusAspects(check: Check, status: number, chain: readonly URL[] | undefined): Aspect<HttpRule>[] {
  const expected = check.expect?.status;
  const follow = check.followRedirects !== false;
  const ok = expected === undefined ? status >= 200 && status <= (follow ? 299 : 399) : ([] as number[]).concat(expected).includes(status);
  if (ok) return [];
  const hops = (chain?.length ?? 1) - 1;
  const after = hops > 0 ? ` after ${hops} redirect${hops === 1 ? '' : 's'}: ${describeChain(chain!)}` : '';
  return [{ rule: 'availability', level: 'critical', message: `${status} (expected ${describeExpectedStatus(expected, follow)})${after}` }];
}

function bodyAspects(check: Check, result: Exchange): Aspect<HttpRule>[] {
  const { bodyContains, json } = check.expect ?? {};
  if (bodyContains === undefined && json === undefined) return [];
  if (check.method === 'HEAD') {
    return [{ rule: 'availability', level: 'critical', message: 'HEAD answers carry no body: bodyContains/json need GET' }];
  }
  const within = result.bodyTruncated ? ' (first 1 MiB)' : '';
  const text = decodeBody(result.body, result.contentType);
  const aspects: Aspect<HttpRule>[] = [];
  if (bodyContains !== undefined && !text.includes(bodyContains)) {
    aspects.push({ rule: 'availability', level: 'critical', message: `body lacks ${quote(bodyContains)}${within}` });
  }
  if (json !== undefined) {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      const why = result.bodyTruncated ? `over ${BODY_CAP_BYTES / 1024 / 1024} MiB` : 'not JSON';
      return [
        ...aspects,
        { rule: 'availability', level: 'critical', message: `body is ${why} (expected json ${Object.keys(json).join(', ')})` },
      ];
    }
    for (const [path, want] of Object.entries(json)) {
      const found = valueAtPath(document, path);
      if (!found.present)
        aspects.push({ rule: 'availability', level: 'critical', message: `json ${path} missing (expected ${quote(want)})` });
      else if (found.value !== want) {
        aspects.push({
          rule: 'availability',
          level: 'critical',
          message: `json ${path} = ${quote(found.value)} (expected ${quote(want)})`,
        });
      }
    }
  }
  return aspects;
}

/** `db.ok`, `items.0.id`: object keys and array indexes separated by dots. */
export function valueAtPath(document: unknown, path: string): { present: boolean; value?: unknown } {
  let current: unknown = document;
  for (const key of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(key) && Number(key) < current.length) current = current[Number(key)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.hasOwn(current, key)) {
      current = (current as Record<string, unknown>)[key];
    } else return { present: false };
  }
  return { present: true, value: current };
}

function responseTimeAspects(check: Check, ms: number): Aspect<HttpRule>[] {
  const warning = check.responseTime?.warning === undefined ? undefined : durationMs(check.responseTime.warning);
  const critical = check.responseTime?.critical === undefined ? undefined : durationMs(check.responseTime.critical);
  if (critical !== undefined && ms > critical)
    return [{ rule: 'responseTime', level: 'critical', message: `slow: ${formatMs(ms)} (critical ${formatMs(critical)})` }];
  if (warning !== undefined && ms > warning)
    return [{ rule: 'responseTime', level: 'warning', message: `slow: ${formatMs(ms)} (warning ${formatMs(warning)})` }];
  return [];
}
