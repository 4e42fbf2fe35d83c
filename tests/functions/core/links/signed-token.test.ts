import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_CHARS,
  signLinkToken,
  verifyLinkToken,
  type LinkTokenCheckOptions,
} from '../../../../functions/core/links/signed-token.js';

const issueToken = (key: Buffer, purpose: string, expiresAt: Date, claims: Record<string, unknown> = {}) =>
  signLinkToken(key, purpose, Math.floor(expiresAt.getTime() / 1000), claims);
const verifyToken = (key: Buffer, token: unknown, options: LinkTokenCheckOptions) => verifyLinkToken(token, key, options);
import { STATUS_LINK_LIFETIME_MS, statusPageLink } from '../../../../functions/core/links/status-link.js';

const KEY = Buffer.from('k'.repeat(64));
const OTHER = Buffer.from('o'.repeat(64));
const NOW = new Date('2026-12-04T00:00:00Z');
const options = { purpose: 'status', now: NOW, maxLifetimeMs: STATUS_LINK_LIFETIME_MS };
const inSevenDays = new Date(NOW.getTime() + STATUS_LINK_LIFETIME_MS);

/** A token over any payload text, signed as the module signs (a forger's, with their key; a bad payload, with ours). */
function signRaw(body: string, key: Buffer): string {
  return `v1.${body}.${createHmac('sha256', key).update(`ops-autopilot/link-token/v1\n${body}`).digest('base64url')}`;
}

/** What a forger can make: any payload, signed with a key of their own (or none). */
function forge(payload: unknown, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `v1.${body}.${createHmac('sha256', key).update(`ops-autopilot/link-token/v1\n${body}`).digest('base64url')}`;
}

describe('signed link tokens', () => {
  it('accepts its own token for its purpose until it expires, and not a second after', () => {
    const token = issueToken(KEY, 'status', inSevenDays);
    expect(verifyToken(KEY, token, options)).toMatchObject({ ok: true, claims: { p: 'status' } });
    const lastSecond = new Date(inSevenDays.getTime() - 1000);
    expect(verifyToken(KEY, token, { ...options, now: lastSecond }).ok).toBe(true);
    expect(verifyToken(KEY, token, { ...options, now: inSevenDays })).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token signed with another key, or a payload changed after signing (a later expiry)', () => {
    expect(verifyToken(KEY, issueToken(OTHER, 'status', inSevenDays), options)).toEqual({ ok: false, reason: 'forged' });
    const [, , mac] = issueToken(KEY, 'status', inSevenDays).split('.');
    const later = Buffer.from(JSON.stringify({ p: 'status', exp: Math.floor(inSevenDays.getTime() / 1000) + 86_400 })).toString(
      'base64url',
    );
    expect(verifyToken(KEY, `v1.${later}.${mac}`, options)).toEqual({ ok: false, reason: 'forged' });
    // Flipping one character of the MAC.
    const token = issueToken(KEY, 'status', inSevenDays);
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    expect(verifyToken(KEY, flipped, options)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses a token of another purpose (an acknowledgement link opens no status page)', () => {
    expect(verifyToken(KEY, issueToken(KEY, 'ack', inSevenDays, { k: 'web/api' }), options)).toEqual({
      ok: false,
      reason: 'wrong-purpose',
    });
  });

  it('refuses an expiry further out than the purpose allows, even correctly signed (a leaked key minting ten-year links)', () => {
    const tenYears = new Date(NOW.getTime() + 10 * 365 * 86_400_000);
    expect(verifyToken(KEY, issueToken(KEY, 'status', tenYears), options)).toEqual({ ok: false, reason: 'too-long-lived' });
  });

  it('refuses malformed input without throwing: wrong shape, oversize, not JSON, missing fields', () => {
    for (const token of [
      undefined,
      42,
      '',
      'abc',
      'a.b.c',
      `v1.${'A'.repeat(MAX_TOKEN_CHARS)}.${'B'.repeat(43)}`,
      'eyJ9.%%%',
      '../../etc',
    ]) {
      expect(verifyToken(KEY, token, options).ok, String(token).slice(0, 30)).toBe(false);
    }
    expect(verifyToken(KEY, forge('not an object', KEY), options)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyToken(KEY, forge({ p: 'status' }, KEY), options)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyToken(KEY, forge({ p: 'status', exp: 1.5e9 + 0.5 }, KEY), options)).toEqual({ ok: false, reason: 'malformed' });
    const notJson = Buffer.from('{p:').toString('base64url');
    expect(verifyToken(KEY, signRaw(`${notJson}xxxxx`, KEY), options)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses to sign or check with a key too short to be one', () => {
    expect(() => issueToken(Buffer.from('short'), 'status', inSevenDays)).toThrow(/the link key is 5 bytes; at least 32 are needed/);
  });

  it('makes the status link: the function URL with ?t=, valid 7 days from the notice', () => {
    const link = new URL(statusPageLink('https://abc.lambda-url.ap-northeast-1.on.aws/?x=1', KEY, NOW));
    expect(link.origin + link.pathname).toBe('https://abc.lambda-url.ap-northeast-1.on.aws/');
    expect([...link.searchParams.keys()]).toEqual(['t']);
    const check = verifyToken(KEY, link.searchParams.get('t'), options);
    expect(check).toMatchObject({ ok: true, claims: { exp: Math.floor(inSevenDays.getTime() / 1000) } });
  });
});
