import dns, { type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';

type ResolveAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** How long resolved addresses are reused: about one run of the health job, well under any schedule. */
export const DNS_CACHE_TTL_MS = 30_000;

/**
 * A `lookup` for node:net that shares one resolution per host name among probes. dns.lookup runs
 * getaddrinfo on libuv's 4 worker threads, so 500 probes of one host would otherwise queue 500
 * lookups behind each other, and that queueing would count as the probes' response time.
 * Failures are not kept: the next probe asks again.
 */
export function createCachedLookup(resolveAll: ResolveAll = dns.lookup as ResolveAll, ttlMs = DNS_CACHE_TTL_MS): LookupFunction {
  const cache = new Map<string, { expires: number; addresses: Promise<LookupAddress[]> }>();
  return (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : 0;
    const key = `${family}/${options.hints ?? 0}/${hostname}`;
    const now = Date.now();
    let entry = cache.get(key);
    if (!entry || entry.expires <= now) {
      const addresses = new Promise<LookupAddress[]>((resolve, reject) =>
        resolveAll(hostname, { all: true, family, hints: options.hints }, (error, found) => (error ? reject(error) : resolve(found))),
      );
      const fresh = { expires: now + ttlMs, addresses };
      entry = fresh;
      cache.set(key, fresh);
      addresses.catch(() => {
        if (cache.get(key) === fresh) cache.delete(key);
      });
    }
    entry.addresses.then(
      (addresses) => {
        if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        else {
          const first = addresses[0];
          if (first) callback(null, first.address, first.family);
          else callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** The process-wide lookup the HTTP probe uses. */
export const cachedLookup = createCachedLookup();
