import { describe, expect, it } from 'vitest';
import { tagConditions } from '../../../lib/iam/tag-conditions.js';

describe('tagConditions: SendCommand conditions for the configured tag sets', () => {
  it('merges the one-key tag sets of a key into one condition listing the values', () => {
    const sets = Array.from({ length: 400 }, (_, i) => ({ Service: `svc-${i}` }));
    const conditions = tagConditions([...sets, { System: 'mycats' }, { Service: 'svc-1' }]);
    expect(conditions).toHaveLength(2);
    expect((conditions[0]!['ssm:resourceTag/Service'] as string[]).length).toBe(400);
    expect(conditions[1]).toEqual({ 'ssm:resourceTag/System': 'mycats' });
  });

  it('keeps a tag set of several keys as its own condition (all must match), once', () => {
    expect(
      tagConditions([
        { Env: 'prod', App: 'shop' },
        { App: 'shop', Env: 'prod' },
        { Env: 'prod', App: 'blog' },
      ]),
    ).toEqual([
      { 'ssm:resourceTag/App': 'shop', 'ssm:resourceTag/Env': 'prod' },
      { 'ssm:resourceTag/App': 'blog', 'ssm:resourceTag/Env': 'prod' },
    ]);
  });
});
