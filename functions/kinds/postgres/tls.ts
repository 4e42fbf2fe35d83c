import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';

/**
 * The CA bundle of the Lambda Node.js runtimes and of the `public.ecr.aws/lambda/nodejs` image:
 * the public roots plus the Amazon RDS certificate authorities. Node 20+ no longer loads it by
 * itself, so the PostgreSQL paths hand it over explicitly.
 */
export const RUNTIME_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** Overrides the bundle's path (tests, and laptops that keep the RDS bundle elsewhere). */
export const CA_BUNDLE_ENV = 'AUTOPILOT_CA_BUNDLE';

export type SslSetting = boolean | 'require' | 'verify-full' | { readonly mode: 'require' | 'verify-full'; readonly ca?: string };

export type SslMode = 'disable' | 'require' | 'verify-full';

export interface PostgresTls {
  readonly mode: SslMode;
  /** The trusted CAs as PEM text; undefined: the client's default store (Node's roots, libpq's root.crt). */
  readonly ca?: string;
  /** A file holding `ca`, for libpq (pg_dump, pg_restore, psql) as sslrootcert. */
  readonly caFile?: string;
  /** Where the CAs came from, for messages: "ssl.ca", the bundle's path, or "the default store". */
  readonly caSource: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** `ssl.ca` holds either PEM text (what the stack embeds) or a file path (local runs). */
export function isPemText(value: string): boolean {
  return value.trimStart().startsWith('-----BEGIN');
}

/** The mode a setting stands for: `true` is libpq's "require", `false` "disable". */
export function sslModeOf(ssl: SslSetting | undefined): SslMode {
  if (ssl === undefined) return 'verify-full';
  if (ssl === false) return 'disable';
  if (ssl === true) return 'require';
  return typeof ssl === 'string' ? ssl : ssl.mode;
}

/**
 * Resolves a database's `ssl` setting to the CAs both clients use: `ssl.ca` when given, else the
 * runtime's bundle (AUTOPILOT_CA_BUNDLE overrides its path) when it exists, else the clients'
 * own defaults. The same answer feeds the `pg` client (`ca`) and libpq (`sslrootcert`), so a
 * health probe, a backup and a restore trust exactly the same certificates.
 */
export function postgresTls(ssl: SslSetting | undefined, env: NodeJS.ProcessEnv = process.env): PostgresTls {
  const mode = sslModeOf(ssl);
  if (mode === 'disable') return { mode, caSource: 'none' };
  const given = typeof ssl === 'object' ? ssl.ca : undefined;
  if (given !== undefined) {
    if (isPemText(given)) return { mode, ca: given, caFile: pemFile(given), caSource: 'ssl.ca' };
    return { mode, ca: readPem(given), caFile: given, caSource: given };
  }
  const bundle = env[CA_BUNDLE_ENV] || RUNTIME_CA_BUNDLE;
  if (existsSync(bundle)) return { mode, ca: readFileSync(bundle, 'utf8'), caFile: bundle, caSource: bundle };
  return { mode, caSource: 'the default store' };
}

/** The `ssl` option of a `pg` client: verify-full checks the chain and the host name (Node's default identity check). */
export function pgSslOptions(tls: PostgresTls): false | ConnectionOptions {
  if (tls.mode === 'disable') return false;
  if (tls.mode === 'require') return { rejectUnauthorized: false };
  return tls.ca === undefined ? { rejectUnauthorized: true } : { rejectUnauthorized: true, ca: tls.ca };
}

/**
 * The libpq variables for the same setting: PGSSLMODE, and PGSSLROOTCERT for verify-full. With
 * no CA file, libpq 16+ is pointed at the system store ("system"); older ones fall back to
 * ~/.postgresql/root.crt and refuse to connect when it is missing (fail closed).
 */
export function libpqTlsEnv(tls: PostgresTls, libpqMajor?: number): Record<string, string> {
  const env: Record<string, string> = { PGSSLMODE: tls.mode };
  if (tls.mode !== 'verify-full') return env;
  if (tls.caFile) env.PGSSLROOTCERT = tls.caFile;
  else if (libpqMajor !== undefined && libpqMajor >= 16) env.PGSSLROOTCERT = 'system';
  return env;
}

/**
 * Node's TLS verification codes (and libpq's wording), which mean "this server's certificate is
 * not one we trust", as opposed to a network or authentication failure.
 */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** True for a certificate verification failure of a `pg` connection. */
export function isCertificateError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && CERTIFICATE_CODES.has(code);
}

/**
 * "TLS certificate of db.internal not trusted: self-signed certificate in certificate chain
 * (CAs: ssl.ca)": names the host, the reason and which CAs were tried, without Node 24's
 * advice about its own command line.
 */
export function describeCertificateError(error: unknown, host: string, tls: PostgresTls): string {
  const e = error as { message?: string; code?: string };
  const reason = (e?.message ?? String(error)).replace(/; if the root CA is installed locally.*$/s, '');
  return `TLS certificate of ${host} not trusted: ${reason} (${e?.code ?? 'TLS'}; CAs from ${tls.caSource})`;
}

function readPem(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`ssl.ca: cannot read ${path}: ${(error as Error).message}`);
  }
  if (!PEM_CERTIFICATE.test(text)) throw new Error(`ssl.ca: ${path} holds no PEM certificate`);
  return text;
}

/** libpq reads CAs from a file only: PEM text from the config goes to one file per content under the temp dir. */
function pemFile(pem: string): string {
  const dir = join(tmpdir(), 'autopilot-ca');
  const file = join(dir, `${createHash('sha256').update(pem).digest('hex').slice(0, 16)}.pem`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(file, pem, { mode: 0o644 });
  }
  return file;
}

/**
 * Checks a CA file for deployment and returns its PEM text: certificates only (a private key in
 * it would be bundled into the function's code), at least one certificate.
 */
export function caFileForDeployment(path: string): string {
  const text = readPem(path);
  if (/PRIVATE KEY-----/.test(text)) throw new Error(`ssl.ca: ${path} holds a private key; give the CA certificate only`);
  const certificates = text.match(new RegExp(PEM_CERTIFICATE.source, 'g')) ?? [];
  return `${certificates.join('\n')}\n`;
}
