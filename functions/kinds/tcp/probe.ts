import { TCP_MATRIX, type TcpRule } from './matrix.js';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls, { type TLSSocket } from 'node:tls';
import { durationMs } from '../../core/config/duration.js';
import type { Finding } from '../../core/domain/finding.js';
import { formatMs, roundMs } from '../probe-support.js';
import { cachedLookup } from '../probe-support.js';
import { type Aspect, certificateAspects, certificateDaysLeft, connectionErrorMessage, judgeAspects } from '../probe-support.js';
import { type TcpCheckConfig, tcpCheckName, tlsOf } from './schema.js';

export interface TcpProbeOptions {
  readonly signal?: AbortSignal;
  /** Trusted CA replacing Node's store; only tests with self-signed loopback servers set it. */
  readonly ca?: string | Buffer;
}

/** What happened on the wire, judged by probeTcp. */
interface Connection {
  readonly connectMs?: number;
  readonly handshakeMs?: number;
  readonly protocol?: string;
  readonly validTo?: Date;
  readonly subject?: string;
  readonly error?: { readonly code: string; readonly message: string; readonly phase: 'connect' | 'tls' };
}

/**
 * Probes one TCP check: open a connection (and with `tls`, complete a handshake with the
 * certificate verified for the host name or `serverName`), then close it. Always resolves to one
 * Finding; the timeout covers connect and handshake together.
 */
export async function probeTcp(target: string, check: TcpCheckConfig, options: TcpProbeOptions = {}): Promise<Finding> {
  const timeoutMs = durationMs(check.timeout);
  const settings = tlsOf(check);
  const result = await connect(check, timeoutMs, options);
  const observed: Record<string, unknown> = { host: check.host, port: check.port, tls: settings !== undefined };
  const aspects: Aspect<TcpRule>[] = [];
  if (result.connectMs !== undefined) observed.connectMs = roundMs(result.connectMs);
  if (result.handshakeMs !== undefined) observed.handshakeMs = roundMs(result.handshakeMs);
  const ready = result.error ? undefined : (result.connectMs ?? 0) + (result.handshakeMs ?? 0);
  if (ready !== undefined) observed.responseTimeMs = roundMs(ready);
  if (result.protocol) observed.tlsProtocol = result.protocol;
  if (result.validTo) {
    const daysLeft = certificateDaysLeft(result.validTo, new Date());
    observed.certificateDaysLeft = daysLeft;
    observed.certificateValidTo = result.validTo.toISOString();
    if (result.subject) observed.certificateSubject = result.subject;
    aspects.push(...certificateAspects('certificate', daysLeft, settings?.certificate));
  }
  if (result.error) {
    observed.error = result.error.code;
    observed.errorMessage = result.error.message;
    const what = result.error.phase === 'tls' ? 'TLS handshake failed' : 'no connection';
    aspects.push({ rule: 'connect', level: 'critical', message: `${what}: ${connectionErrorMessage(result.error, timeoutMs)}` });
  }
  const { severity, summary } = judgeAspects(TCP_MATRIX, aspects, check.severity, () => okSummary(result, observed));
  return { target, check: tcpCheckName(check), kind: 'tcp', severity, summary, observed };
}

function okSummary(result: Connection, observed: Record<string, unknown>): string {
  const connected = `connected in ${formatMs(result.connectMs ?? 0)}`;
  if (result.handshakeMs === undefined) return connected;
  const days = observed.certificateDaysLeft;
  const certificate = days === undefined ? '' : `, certificate valid ${days} more days`;
  return `${connected}, ${result.protocol ?? 'TLS'} in ${formatMs(result.handshakeMs)}${certificate}`;
}

/** Connects (and shakes hands); never rejects: every failure is an `error` in the result. */
function connect(check: TcpCheckConfig, timeoutMs: number, options: TcpProbeOptions): Promise<Connection> {
  return new Promise((resolve) => {
    const settings = tlsOf(check);
    const started = performance.now();
    let connectMs: number | undefined;
    let secure: TLSSocket | undefined;
    let settled = false;
    const finish = (result: Omit<Connection, 'connectMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      secure?.destroy();
      socket.destroy();
      resolve({ connectMs, ...result });
    };
    const fail = (phase: 'connect' | 'tls') => (error: NodeJS.ErrnoException) =>
      finish({ error: { code: error.code ?? error.name, message: error.message, phase } });

    const socket = net.connect({ host: check.host, port: check.port, lookup: cachedLookup });
    socket.once('error', fail('connect'));
    socket.once('connect', () => {
      connectMs = performance.now() - started;
      if (!settings) return finish({});
      const handshakeStarted = performance.now();
      secure = tls.connect({
        socket,
        host: check.host,
        // SNI carries names only; for an IP address the certificate is checked against the IP.
        servername: settings.serverName ?? (net.isIP(check.host) ? undefined : check.host),
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      });
      secure.once('error', fail('tls'));
      secure.once('secureConnect', () => {
        const peer = secure?.getPeerCertificate();
        const validTo = peer?.valid_to ? new Date(peer.valid_to) : undefined;
        const cn = peer?.subject?.CN as string | string[] | undefined;
        finish({
          handshakeMs: performance.now() - handshakeStarted,
          protocol: secure?.getProtocol() ?? undefined,
          validTo: validTo && !Number.isNaN(validTo.getTime()) ? validTo : undefined,
          subject: Array.isArray(cn) ? cn.join(', ') : cn,
        });
      });
    });

    const timer = setTimeout(
      () =>
        finish({
          error: { code: 'ETIMEDOUT', message: `timeout after ${timeoutMs} ms`, phase: connectMs === undefined ? 'connect' : 'tls' },
        }),
      timeoutMs,
    );
    const onAbort = (): void =>
      finish({ error: { code: 'ABORTED', message: `aborted: ${String(options.signal?.reason ?? 'signal')}`, phase: 'connect' } });
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
