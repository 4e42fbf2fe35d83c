import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring tokens for the links the suite sends (the status page's; an acknowledgement link can use the same
 * module with its own purpose): `<payload>.<mac>`, both base64url, where the payload is the JSON of
 * `{ p: purpose, exp: unix seconds, ...claims }` and the MAC is HMAC-SHA256 over `v1.<payload>` with a key only the
 * deployment holds. Nothing is stored per link: a token proves itself until it expires, and changing the key ends
 * every token at once.
 *
 * Checking is strict and cheap before it is cryptographic: bounded length, the exact shape, then the MAC compared in
 * constant time, then the purpose and the expiry (and an expiry no further out than the purpose allows, so a token
 * minted with a leaked key for ten years is still refused).
 */
const VERSION = 'v1';
/** Longer tokens are refused unread (query strings are not a place for kilobytes). */
export const MAX_TOKEN_LENGTH = 1_024;
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{8,960})\.([A-Za-z0-9_-]{43})$/;
/** Fewer bytes than this is not a key (the deployment's is 64 characters). */
export const MIN_KEY_BYTES = 32;

export interface TokenClaims {
  /** What the token opens: `status`, `ack`, ... A token for one purpose never opens another. */
  readonly p: string;
  /** Expiry, unix seconds. */
  readonly exp: number;
  readonly [claim: string]: unknown;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'forged' | 'wrong-purpose' | 'expired' | 'too-long-lived' };

function macOf(key: Buffer, payload: string): Buffer {
  if (key.length < MIN_KEY_BYTES) throw new Error(`link key too short (${key.length} bytes; at least ${MIN_KEY_BYTES})`);
  return createHmac('sha256', key).update(`${VERSION}.${payload}`).digest();
}

/** A token for `purpose` valid until `expiresAt`, with `claims` besides. */
export function issueToken(key: Buffer, purpose: string, expiresAt: Date, claims: Record<string, unknown> = {}): string {
  const payload = Buffer.from(JSON.stringify({ ...claims, p: purpose, exp: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url');
  return `${payload}.${macOf(key, payload).toString('base64url')}`;
}

export interface VerifyOptions {
  readonly purpose: string;
  readonly now: Date;
  /** The longest life a token of this purpose is issued with: an expiry further out is refused. */
  readonly maxLifetimeMs: number;
}

/** Checks a token as described above; never throws on what a client sent. */
export function verifyToken(key: Buffer, token: unknown, options: VerifyOptions): TokenCheck {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const shape = TOKEN_SHAPE.exec(token);
  if (!shape) return { ok: false, reason: 'malformed' };
  const [, payload, mac] = shape as unknown as [string, string, string];
  const given = Buffer.from(mac, 'base64url');
  const expected = macOf(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const c = claims as Partial<TokenClaims> | null;
  if (typeof c !== 'object' || c === null || typeof c.p !== 'string' || !Number.isSafeInteger(c.exp))
    return { ok: false, reason: 'malformed' };
  if (c.p !== options.purpose) return { ok: false, reason: 'wrong-purpose' };
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  if ((c.exp as number) <= nowSeconds) return { ok: false, reason: 'expired' };
  if ((c.exp as number) > nowSeconds + Math.ceil(options.maxLifetimeMs / 1000)) return { ok: false, reason: 'too-long-lived' };
  return { ok: true, claims: c as TokenClaims };
}
