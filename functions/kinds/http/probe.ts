import { checkNameOf } from '../../core/config/schema.js';
import { durationMs } from '../../core/config/duration.js';
import type { Finding } from '../../core/domain/finding.js';
import { plainHeaders } from './headers.js';
import { exchange } from './exchange.js';
import { displayUrl, exchangeFollowing } from './follow.js';
import { judgeExchange } from './verdict.js';
import type { HealthCheckConfig } from './schema.js';

export interface HttpProbeOptions {
  readonly signal?: AbortSignal;
  /** Trusted CA replacing Node's store; only tests and benches with self-signed loopback servers set it. */
  readonly ca?: string | Buffer;
}

/**
 * Probes one HTTP(S) health check: redirects followed (up to 5, see http-follow.ts) unless `followRedirects: false`,
 * at most 1 MiB of body read. Always resolves to a Finding; failures are findings too.
 */
export async function probeHttp(target: string, check: HealthCheckConfig, options: HttpProbeOptions = {}): Promise<Finding> {
  const url = new URL(check.url);
  const request = {
    url,
    method: check.method,
    headers: plainHeaders(check.headers),
    timeoutMs: durationMs(check.timeout),
    signal: options.signal,
    ca: options.ca,
  };
  const result = check.followRedirects === false ? await exchange(request) : await exchangeFollowing(request);
  const verdict = judgeExchange(check, result);
  return {
    target,
    check: checkNameOf(check),
    kind: 'http',
    severity: verdict.severity,
    summary: verdict.summary,
    observed: { url: displayUrl(url), ...verdict.observed },
  };
}
