import { performance } from 'node:perf_hooks';
import { type Exchange, type ExchangeRequest, exchange } from './exchange.js';

/** Redirects followed before the answer counts as "too many", as Gatus's and blackbox_exporter's defaults' order. */
export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The exchanges of one check, redirects followed: the final answer, timed from the first request. */
export interface FollowedExchange extends Exchange {
  /** Every URL asked, the configured one first; longer than one only when a redirect was followed. */
  readonly chain: readonly URL[];
}

/**
 * Follows redirects as Gatus, Uptime Kuma and blackbox_exporter do: up to MAX_REDIRECTS hops, on the same scheme
 * or up from http to https. A downgrade to http, a loop, one hop too many or a Location that is not http(s) ends
 * the chain with a `redirect` error naming it. One timeout covers the whole chain; the configured headers go to
 * the configured URL's origin only, never to another host (they may carry a token). Times are from the first
 * request, so the response time is what a browser would wait; the certificate is the first one met.
 */
export async function exchangeFollowing(request: ExchangeRequest): Promise<FollowedExchange> {
  const started = performance.now();
  const chain: URL[] = [request.url];
  let certificate = undefined as Exchange['certificate'];
  for (;;) {
    const url = chain.at(-1)!;
    const offset = performance.now() - started;
    const remainingMs = request.timeoutMs - offset;
    const hop: Exchange =
      remainingMs > 0
        ? await exchange({
            ...request,
            url,
            timeoutMs: remainingMs,
            headers: url.origin === request.url.origin ? request.headers : undefined,
          })
        : { totalMs: 0, body: Buffer.alloc(0), bodyTruncated: false, error: timeoutError(request.timeoutMs) };
    certificate ??= hop.certificate;
    const result = (extra: Partial<Exchange> = {}): FollowedExchange => ({
      ...hop,
      ...(hop.headersMs === undefined ? {} : { headersMs: offset + hop.headersMs }),
      totalMs: offset + hop.totalMs,
      certificate,
      chain,
      ...extra,
    });
    if (hop.error?.code === 'ETIMEDOUT') return result({ error: timeoutError(request.timeoutMs, hop.error.phase) });
    if (hop.error || hop.status === undefined || !REDIRECT_STATUSES.has(hop.status) || hop.location === undefined) return result();

    const next = URL.canParse(hop.location, url.href) ? new URL(hop.location, url) : undefined;
    const refuse = (code: string, why: string, target: string): FollowedExchange =>
      result({ error: { code, message: `${why}: ${describeChain(chain)} -> ${target}`, phase: 'redirect' } });
    if (!next) return refuse('REDIRECT_INVALID', 'redirect to an invalid Location', JSON.stringify(hop.location));
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      return refuse('REDIRECT_SCHEME', 'redirect to an unsupported scheme', displayUrl(next));
    if (url.protocol === 'https:' && next.protocol === 'http:')
      return refuse('REDIRECT_DOWNGRADE', 'redirect from https to http refused', displayUrl(next));
    const target = withoutHash(next);
    if (chain.some((asked) => withoutHash(asked) === target)) return refuse('REDIRECT_LOOP', 'redirect loop', hopText(next, url));
    if (chain.length > MAX_REDIRECTS)
      return refuse('TOO_MANY_REDIRECTS', `too many redirects (more than ${MAX_REDIRECTS})`, hopText(next, url));
    chain.push(next);
  }
}

/** `http://a/x -> /y -> https://b/z`: origin and path only (no credentials, no query), the origin where it changes. */
export function describeChain(chain: readonly URL[]): string {
  return chain.map((url, i) => (i === 0 ? displayUrl(url) : hopText(url, chain[i - 1]!))).join(' -> ');
}

/** Origin and path only: user:password or a token in the query must not reach reports or alerts. */
export function displayUrl(url: URL): string {
  return `${originText(url)}${url.pathname}`;
}

/** file:, data: and other schemes without an origin have "null" there: name the scheme (and host) as written instead. */
function originText(url: URL): string {
  if (url.origin !== 'null') return url.origin;
  return url.host || url.href.startsWith(`${url.protocol}//`) ? `${url.protocol}//${url.host}` : url.protocol;
}

function hopText(url: URL, from: URL): string {
  return url.origin === from.origin ? url.pathname : displayUrl(url);
}

function withoutHash(url: URL): string {
  return url.hash ? url.href.slice(0, -url.hash.length) : url.href;
}

function timeoutError(timeoutMs: number, phase: 'request' | 'body' | 'redirect' = 'request') {
  return { code: 'ETIMEDOUT', message: `timeout after ${Math.round(timeoutMs)} ms`, phase };
}
