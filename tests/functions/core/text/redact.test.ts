import { describe, expect, it } from 'vitest';
import { redact, redactDeep } from '../../../../functions/core/text/redact.js';

describe('redaction', () => {
  it('replaces a secret and its URL-encoded form everywhere', () => {
    expect(redact('pw p@ss/1 in postgres://u:p%40ss%2F1@h/db', ['p@ss/1'])).toBe('pw *** in postgres://u:***@h/db');
  });

  it('hides the password of any postgres URL, even one it was not told about', () => {
    expect(redact('pg_restore -d postgresql://app:hunter2@db:5432/x failed')).toBe('pg_restore -d postgresql://app:***@db:5432/x failed');
  });

  it('walks nested data, keys included, and leaves other values alone', () => {
    const data = { summary: 'bad s3cret', observed: { list: ['s3cret', 4, true, null], s3cret: 1 } };
    expect(redactDeep(data, ['s3cret'])).toEqual({ summary: 'bad ***', observed: { list: ['***', 4, true, null], '***': 1 } });
  });

  it('ignores empty or missing secrets', () => {
    expect(redact('nothing to hide', ['', undefined])).toBe('nothing to hide');
  });
});

describe('a short secret (under 4 characters)', () => {
  it('never hides text that merely contains it: host names, words, dotted and hyphenated names stay whole', () => {
    // PGPASSWORD=x printed the host as mycats-db.e***ample.
    expect(redact('getaddrinfo ENOTFOUND mycats-db.example', ['x'])).toBe('getaddrinfo ENOTFOUND mycats-db.example');
    expect(redact('x.example.com and db-x.internal and x_1', ['x'])).toBe('x.example.com and db-x.internal and x_1');
    expect(redact('cannot connect to ab.example:5432', ['ab'])).toBe('cannot connect to ab.example:5432');
  });

  it('is still never printed as a value of its own', () => {
    expect(redact('password x rejected', ['x'])).toBe('password *** rejected');
    expect(redact('PGPASSWORD=x', ['x'])).toBe('PGPASSWORD=***');
    expect(redact('{"password":"ab"}', ['ab'])).toBe('{"password":"***"}');
    expect(redact('user:x@host and the end: x.', ['x'])).toBe('user:***@host and the end: ***.');
    expect(redact('a*b is a*b', ['a*b'])).toBe('*** is ***');
    expect(redactDeep({ observed: { password: 'x', host: 'x.example' } }, ['x'])).toEqual({
      observed: { password: '***', host: 'x.example' },
    });
  });

  it('from 4 characters, is masked anywhere, even inside other text', () => {
    expect(redact('mycats-db.example', ['exam'])).toBe('mycats-db.***ple');
  });
});
