import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { cachedLookup } from '../probe-support.js';

/** The most body a probe reads; the socket is destroyed beyond it, so a huge body costs nothing. */
export const BODY_CAP_BYTES = 1024 * 1024;

export interface ExchangeRequest {
  readonly url: URL;
  readonly method: 'GET' | 'HEAD';
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Trusted CA instead of Node's store, for loopback tests and benches with a self-signed certificate. */
  readonly ca?: string | Buffer;
  /** Host name resolution; default a shared, briefly cached dns.lookup. */
  readonly lookup?: LookupFunction;
}

export interface ExchangeError {
  readonly code: string;
  readonly message: string;
  /**
   * What had been reached when it failed: no response at all, headers but not the whole body, or an answer whose
   * redirect could not be followed (a loop, too many hops, a downgrade to http).
   */
  readonly phase: 'request' | 'body' | 'redirect';
}

export interface PeerCertificate {
  readonly validTo: Date;
  readonly subject?: string;
}

/** What happened on the wire, judged elsewhere. */
export interface Exchange {
  readonly status?: number;
  /** The answer's Location and Content-Type headers, the only ones judged. */
  readonly location?: string;
  readonly contentType?: string;
  /** Time to response headers, from just before the request was created. */
  readonly headersMs?: number;
  readonly totalMs: number;
  readonly body: Buffer;
  readonly bodyTruncated: boolean;
  readonly certificate?: PeerCertificate;
  readonly error?: ExchangeError;
}

const USER_AGENT = 'ops-autopilot-health/0.1';

/**
 * One request with node:http(s), no redirects followed (http-follow.ts does that), no keep-alive (`agent: false`, a fresh
 * connection each time, so connect time is part of the figure). Never rejects: every failure is
 * an `error` in the result. The timeout covers the whole exchange, connect to last body byte.
 */
export function exchange(request: ExchangeRequest): Promise<Exchange> {
  return new Promise((resolve) => {
    const { url, signal } = request;
    const isHttps = url.protocol === 'https:';
    const chunks: Buffer[] = [];
    let bytesRead = 0;
    let bodyTruncated = false;
    let status: number | undefined;
    let location: string | undefined;
    let contentType: string | undefined;
    let headersMs: number | undefined;
    let certificate: PeerCertificate | undefined;
    let settled = false;

    const started = performance.now();
    const finish = (error?: Omit<ExchangeError, 'phase'>): void => {
      if (settled) return;
      settled = true;
      const totalMs = performance.now() - started;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const result: Exchange = {
        status,
        location,
        contentType,
        headersMs,
        totalMs,
        body: Buffer.concat(chunks, bytesRead),
        bodyTruncated,
        certificate,
        error: error && { ...error, phase: status === undefined ? 'request' : 'body' },
      };
      if (error || bodyTruncated) {
        req.destroy();
        resolve(result);
        return;
      }
      // A complete answer: close and hand over on the next turn, so that the other sockets that
      // became readable in this same poll phase get their first byte timed before our clean-up and
      // the judging run (with hundreds of probes in flight that queue is what skews the figures).
      setImmediate(() => {
        req.destroy();
        resolve(result);
      });
    };

    const options: https.RequestOptions = {
      method: request.method,
      headers: { 'user-agent': USER_AGENT, accept: '*/*', ...request.headers },
      agent: false,
      lookup: request.lookup ?? cachedLookup,
      ...(isHttps && request.ca !== undefined ? { ca: request.ca } : {}),
    };
    const req = (isHttps ? https : http).request(url, options, (res) => {
      headersMs = performance.now() - started;
      status = res.statusCode;
      location = res.headers.location;
      contentType = res.headers['content-type'];
      if (isHttps) certificate = peerCertificateOf(res.socket as TLSSocket);
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = BODY_CAP_BYTES - bytesRead;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          bytesRead += room;
          bodyTruncated = true;
          finish();
          return;
        }
        chunks.push(chunk);
        bytesRead += chunk.length;
      });
      res.on('end', () => finish());
      res.on('error', (error: NodeJS.ErrnoException) => finish(describe(error)));
      res.on('close', () => {
        if (!res.complete) finish({ code: 'ECONNRESET', message: 'connection closed before the body ended' });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish(describe(error)));

    const timer = setTimeout(() => finish({ code: 'ETIMEDOUT', message: `timeout after ${request.timeoutMs} ms` }), request.timeoutMs);
    const onAbort = (): void => finish({ code: 'ABORTED', message: `aborted: ${String(signal?.reason ?? 'signal')}` });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    if (!settled) req.end();
  });
}

function describe(error: NodeJS.ErrnoException): Omit<ExchangeError, 'phase'> {
  return { code: error.code ?? error.name, message: error.message };
}

function peerCertificateOf(socket: TLSSocket): PeerCertificate | undefined {
  const peer = socket.getPeerCertificate?.();
  if (!peer?.valid_to) return undefined;
  const validTo = new Date(peer.valid_to);
  if (Number.isNaN(validTo.getTime())) return undefined;
  const cn = peer.subject?.CN as string | string[] | undefined;
  return { validTo, subject: Array.isArray(cn) ? cn.join(', ') : cn };
}
