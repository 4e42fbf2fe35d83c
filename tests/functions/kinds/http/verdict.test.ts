import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../../../functions/kinds/http/exchange.js';
import { describeExpectedStatus, judgeExchange, valueAtPath } from '../../../../functions/kinds/http/verdict.js';
import { healthCheckSchema } from '../../../../functions/kinds/http/schema.js';

const now = new Date('2026-11-23T00:00:00Z');
const answer = (over: Partial<Exchange> = {}): Exchange => ({
  status: 200,
  headersMs: 120.44,
  totalMs: 121,
  body: Buffer.from('OK'),
  bodyTruncated: false,
  ...over,
});
const check = (input: Record<string, unknown>) => healthCheckSchema.parse({ url: 'https://api.example/health', ...input });

describe('valueAtPath', () => {
  const doc = { status: 'OK', db: { ok: true, 'x.y': 1 }, items: [{ id: 7 }], nothing: null };
  it('walks object keys and array indexes', () => {
    expect(valueAtPath(doc, 'status')).toEqual({ present: true, value: 'OK' });
    expect(valueAtPath(doc, 'db.ok')).toEqual({ present: true, value: true });
    expect(valueAtPath(doc, 'items.0.id')).toEqual({ present: true, value: 7 });
    expect(valueAtPath(doc, 'nothing')).toEqual({ present: true, value: null });
  });
  it('reports missing paths, out-of-range indexes and inherited properties as absent', () => {
    expect(valueAtPath(doc, 'items.1.id').present).toBe(false);
    expect(valueAtPath(doc, 'db.missing').present).toBe(false);
    expect(valueAtPath(doc, 'nothing.deeper').present).toBe(false);
    expect(valueAtPath(doc, 'status.length').present).toBe(false);
    expect(valueAtPath(doc, 'db.constructor').present).toBe(false);
  });
});

describe('judgeExchange', () => {
  it('describes the expected status', () => {
    expect(describeExpectedStatus(undefined)).toBe('200-299');
    expect(describeExpectedStatus(undefined, false)).toBe('200-399');
    expect(describeExpectedStatus(204)).toBe('204');
    expect(describeExpectedStatus([200, 204])).toBe('200, 204');
  });

  it('says a certificate has expired', () => {
    const verdict = judgeExchange(check({}), answer({ certificate: { validTo: new Date('2026-11-20T00:00:00Z') } }), now);
    expect(verdict).toMatchObject({ severity: 'high', summary: 'certificate expired 3 days ago', observed: { certificateDaysLeft: -3 } });
  });

  it('keeps the certificate ok at exactly warningDays left and low one day under', () => {
    const at30 = judgeExchange(check({}), answer({ certificate: { validTo: new Date('2026-12-23T00:00:00Z') } }), now);
    expect(at30.severity).toBe('ok');
    const at29 = judgeExchange(check({}), answer({ certificate: { validTo: new Date('2026-12-22T00:00:00Z') } }), now);
    expect(at29).toMatchObject({ severity: 'low', summary: 'certificate expires in 29 days' });
  });

  it('refuses body expectations on HEAD instead of passing them silently', () => {
    const verdict = judgeExchange(check({ method: 'HEAD', expect: { bodyContains: 'OK' } }), answer({ body: Buffer.alloc(0) }), now);
    expect(verdict).toMatchObject({ severity: 'critical', summary: 'HEAD answers carry no body: bodyContains/json need GET' });
  });

  it('judges a JSON body nested 200,000 levels deep as a mismatch, where quoting it overflowed the stack', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const verdict = judgeExchange(check({ expect: { json: { '0.0': 1 } } }), answer({ body: Buffer.from(deep) }), now);
    expect(verdict.severity).toBe('critical');
    expect(verdict.summary).toBe('json 0.0 = […] (expected 1)');
  });

  it('says a truncated body could not be read as JSON', () => {
    const verdict = judgeExchange(
      check({ expect: { json: { status: 'OK' } } }),
      answer({ body: Buffer.from('{"status":'), bodyTruncated: true }),
      now,
    );
    expect(verdict).toMatchObject({ severity: 'critical', summary: 'body is over 1 MiB (expected json status)' });
  });

  it('formats seconds above one second and rounds response time to a tenth', () => {
    const verdict = judgeExchange(check({ responseTime: { warning: '500ms', critical: '3s' } }), answer({ headersMs: 3_240 }), now);
    expect(verdict).toMatchObject({ severity: 'high', summary: 'slow: 3.2 s (critical 3 s)', observed: { responseTimeMs: 3240 } });
    expect(judgeExchange(check({}), answer(), now).observed.responseTimeMs).toBe(120.4);
  });

  it('applies an override per cell: a warning-level slowness can be raised', () => {
    const verdict = judgeExchange(check({ responseTime: { warning: '100ms' }, severity: { warning: 'high' } }), answer(), now);
    expect(verdict.severity).toBe('high');
  });

  it('reports a connection reset while reading the body with the status it had', () => {
    const verdict = judgeExchange(
      check({}),
      answer({ error: { code: 'ECONNRESET', message: 'connection closed before the body ended', phase: 'body' } }),
      now,
    );
    expect(verdict).toMatchObject({
      severity: 'critical',
      summary: 'connection reset (reading body)',
      observed: { status: 200, error: 'ECONNRESET' },
    });
  });
});
