import { describe, expect, it } from 'vitest';
import { checkNameOf, MAX_CHECK_NAME } from '../../../../functions/core/config/fields.js';
import { validateConfig } from '../../../../functions/kinds/config.js';
import { tcpCheckName } from '../../../../functions/kinds/tcp/schema.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

describe('derived check names: readable, bounded, and unchanged where they were already valid', () => {
  it('keeps the names earlier versions derived (alert state and backups are keyed by them)', () => {
    expect(checkNameOf({ url: 'https://shop.example.com/api/health' })).toBe('shop.example.com-api-health');
    expect(checkNameOf({ url: 'https://shop.example.com/' })).toBe('shop.example.com');
    expect(checkNameOf({ database: 'mycats' })).toBe('mycats');
    expect(tcpCheckName({ host: 'db.internal', port: 5432 })).toBe('db.internal-5432');
    expect(tcpCheckName({ host: '2001:db8::5', port: 22 })).toBe('2001-db8-5-22');
  });

  it('spells out an IPv6 loopback, which once became "-1-47142"', () => {
    expect(tcpCheckName({ host: '::1', port: 47142 })).toBe('ip6-localhost-47142');
    expect(checkNameOf({ url: 'http://[::1]:8080/health' })).toBe('ip6-localhost-health');
    expect(checkNameOf({ url: 'http://[fe80::1:2]/' })).toBe('ip6-fe80-1-2');
  });

  it('bounds a 10,000-character URL to a valid name, and keeps two such URLs apart by a hash of the whole', () => {
    const a = checkNameOf({ url: `https://shop.example.com/${'a'.repeat(10_000)}` });
    const b = checkNameOf({ url: `https://shop.example.com/${'a'.repeat(10_000)}b` });
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(MAX_CHECK_NAME);
      expect(name).toMatch(NAME);
      expect(name.startsWith('shop.example.com-aaaa')).toBe(true);
    }
    expect(a).not.toBe(b);
    // The same URL gives the same name on every run.
    expect(checkNameOf({ url: `https://shop.example.com/${'a'.repeat(10_000)}` })).toBe(a);
  });

  it('validates a config whose checks have such names, each derived name a valid one', () => {
    const config = validateConfig({
      targets: {
        loop: {
          health: [{ url: `http://127.0.0.1:9/${'x'.repeat(5000)}` }],
          tcp: [{ host: '::1', port: 47142 }],
        },
      },
    });
    expect(config.targets.loop?.tcp?.map(tcpCheckName)).toEqual(['ip6-localhost-47142']);
    expect(checkNameOf(config.targets.loop!.health![0]!)).toMatch(NAME);
  });
});
