import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Signed, expiring link tokens: the one way the suite puts a capability into a URL it sends people (the acknowledge
 * link today; any later link, such as a status page's, signs with its own purpose through this module rather than
 * a second scheme). Nothing is stored per link: a token proves itself until it expires, and replacing the link key
 * (the Secrets Manager secret the stack generates) ends every token at once.
 *
 * Form: `v1.<payload>.<mac>`, both base64url. The payload is the JSON object `{ p: purpose, exp: epoch seconds,
 * ...claims }`; the MAC is HMAC-SHA256 keyed by the link key over a domain line and the payload exactly as it travels.
 * The purpose is inside what is signed, so a token issued for one purpose never opens another even under the same key;
 * any change to a claim, the purpose or the expiry changes the payload and so the MAC.
 *
 * Checking is cheap before it is cryptographic and never throws on what a client sent: bounded length and exact shape
 * first, then the MAC compared in constant time (`timingSafeEqual` on two 32-byte buffers; a MAC's length is no secret)
 * BEFORE the payload is decoded, then the purpose, the expiry, and an expiry no further out than the purpose ever
 * issues (a token valid for years is not one this code made: refused, whoever signed it).
 */

const VERSION = 'v1';
/** Keeps these MACs apart from any other use of the key (and from a later version of the format). */
const DOMAIN = 'ops-autopilot/link-token/v1\n';
const MAC_BYTES = 32;
/** Longer than any token the suite signs; a longer one is refused unread (a query string is no place for kilobytes). */
export const MAX_TOKEN_CHARS = 2_048;
/** The link key's least length in bytes: the stack generates 64 characters; a shorter key is a misconfiguration. */
export const MIN_KEY_BYTES = 32;

/** What a token carries: its purpose, its expiry, and the purpose's own claims (JSON values). */
export interface LinkClaims {
  /** What the token opens (`ack`, ...). A token for one purpose never opens another. */
  readonly p: string;
  /** Until when the token works, epoch seconds. */
  readonly exp: number;
  readonly [claim: string]: unknown;
}

export type LinkTokenCheck =
  | { readonly ok: true; readonly claims: LinkClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'forged' | 'wrong-purpose' | 'expired' | 'too-long-lived' };

export interface LinkTokenCheckOptions {
  readonly purpose: string;
  /** The instant compared with the expiry. */
  readonly now: Date;
  /** The longest life this purpose issues tokens with: an expiry further out than `now` plus this is refused. */
  readonly maxLifetimeMs: number;
}

function keyBytes(key: string | Buffer): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length < MIN_KEY_BYTES) throw new Error(`the link key is ${bytes.length} bytes; at least ${MIN_KEY_BYTES} are needed`);
  return bytes;
}

function macOf(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(DOMAIN).update(payload).digest();
}

/** A token for `purpose`, valid until `expires` (epoch seconds), carrying `claims` besides (`p` and `exp` are reserved). */
export function signLinkToken(key: string | Buffer, purpose: string, expires: number, claims: Record<string, unknown> = {}): string {
  if (!purpose) throw new Error('a link token needs a purpose');
  if (!Number.isSafeInteger(expires)) throw new Error(`expiry ${expires} is not whole seconds`);
  if ('p' in claims || 'exp' in claims) throw new Error("p and exp are the token's own claims");
  const payload = Buffer.from(JSON.stringify({ p: purpose, exp: expires, ...claims })).toString('base64url');
  return `${VERSION}.${payload}.${macOf(keyBytes(key), payload).toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Checks a token as described above. Throws only for a bad key (the deployment's fault), never for a bad token. */
export function verifyLinkToken(token: unknown, key: string | Buffer, options: LinkTokenCheckOptions): LinkTokenCheck {
  const bytes = keyBytes(key);
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !BASE64URL.test(parts[1]!) || !BASE64URL.test(parts[2]!)) {
    return { ok: false, reason: 'malformed' };
  }
  const [, payload, mac] = parts as [string, string, string];
  const given = Buffer.from(mac, 'base64url');
  // Equal lengths first (timingSafeEqual throws otherwise).
  if (given.length !== MAC_BYTES || !timingSafeEqual(given, macOf(bytes, payload))) return { ok: false, reason: 'forged' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = decoded as Partial<LinkClaims> | null;
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return { ok: false, reason: 'malformed' };
  if (typeof claims.p !== 'string' || !Number.isSafeInteger(claims.exp)) return { ok: false, reason: 'malformed' };
  if (claims.p !== options.purpose) return { ok: false, reason: 'wrong-purpose' };
  const nowMs = options.now.getTime();
  const expMs = (claims.exp as number) * 1_000;
  if (nowMs >= expMs) return { ok: false, reason: 'expired' };
  if (expMs > nowMs + options.maxLifetimeMs) return { ok: false, reason: 'too-long-lived' };
  return { ok: true, claims: claims as LinkClaims };
}
