import dns, { type LookupAddress, type LookupAllOptions } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { createCachedLookup } from '../../../functions/kinds/probe-support.js';

type Callback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;

/** The real resolver, counted. */
function countingResolver() {
  const calls: string[] = [];
  const resolveAll = (hostname: string, options: LookupAllOptions, callback: Callback) => {
    calls.push(hostname);
    dns.lookup(hostname, options, callback);
  };
  return { calls, resolveAll };
}

function lookupOnce(lookup: ReturnType<typeof createCachedLookup>, hostname: string, all: boolean): Promise<unknown> {
  return new Promise((resolve, reject) =>
    lookup(hostname, { all } as dns.LookupOneOptions, (error: Error | null, address: unknown, family?: number) =>
      error ? reject(error) : resolve(all ? address : { address, family }),
    ),
  );
}

describe('createCachedLookup', () => {
  it('resolves a host once for many concurrent probes, in both callback shapes', async () => {
    const { calls, resolveAll } = countingResolver();
    const lookup = createCachedLookup(resolveAll);
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => lookupOnce(lookup, 'localhost', true)),
      lookupOnce(lookup, 'localhost', false),
    ]);
    expect(calls).toEqual(['localhost']);
    expect(results[0]).toEqual(
      expect.arrayContaining([expect.objectContaining({ address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) })]),
    );
    expect(results[20]).toEqual({ address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/), family: expect.any(Number) });
  });

  it('asks again once the entry is older than the TTL', async () => {
    const { calls, resolveAll } = countingResolver();
    const lookup = createCachedLookup(resolveAll, 0);
    await lookupOnce(lookup, 'localhost', true);
    await lookupOnce(lookup, 'localhost', true);
    expect(calls).toEqual(['localhost', 'localhost']);
  });

  it('does not keep a failure', async () => {
    let attempt = 0;
    const lookup = createCachedLookup((_host, _options, callback) => {
      attempt++;
      if (attempt === 1) callback(Object.assign(new Error('getaddrinfo EAI_AGAIN api.example'), { code: 'EAI_AGAIN' }), []);
      else callback(null, [{ address: '192.0.2.10', family: 4 }]);
    });
    await expect(lookupOnce(lookup, 'api.example', false)).rejects.toMatchObject({ code: 'EAI_AGAIN' });
    await expect(lookupOnce(lookup, 'api.example', false)).resolves.toEqual({ address: '192.0.2.10', family: 4 });
    expect(attempt).toBe(2);
  });
});
