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
