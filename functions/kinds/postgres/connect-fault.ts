import { ServiceFaultError } from '../../core/errors.js';
import { isCertificateError } from './tls.js';

const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
};

/** PostgreSQL's SQLSTATEs for a refused login or a missing database (class 28, 3D000). */
const LOGIN: Readonly<Record<string, string>> = {
  '28P01': 'login refused',
  '28000': 'login refused',
  '3D000': 'no such database',
};

/**
 * A ServiceFaultError (one line, exit 4) when `error` is a failure to reach or log in to the
 * PostgreSQL server at `display` (a URL without its password), or undefined for anything else.
 */
export function pgConnectFault(error: unknown, display: string): ServiceFaultError | undefined {
  const e = error as { code?: string; message?: string; errors?: unknown[] } | undefined;
  const code = e?.code ?? (e?.errors?.[0] as { code?: string } | undefined)?.code;
  const message = (e?.message ?? '').split('\n')[0]!;
  if (code && LOGIN[code]) return new ServiceFaultError(`${display}: ${LOGIN[code]}: ${message}`);
  if (code && NETWORK[code]) return new ServiceFaultError(`${display}: cannot connect: ${NETWORK[code]} (${code})`);
  // sslmode asks for TLS and the server has it off: pg's words, said as what to change.
  if (/does not support SSL/i.test(message)) {
    return new ServiceFaultError(`${display}: cannot connect: the server does not accept TLS, which the URL's sslmode asks for`);
  }
  if (isCertificateError(error)) {
    const reason = message.replace(/; if the root CA is installed locally.*$/s, '');
    return new ServiceFaultError(`${display}: TLS certificate not trusted: ${reason} (${code})`);
  }
  if (/timeout expired|connection timeout/i.test(message)) return new ServiceFaultError(`${display}: cannot connect: timed out`);
  return undefined;
}
