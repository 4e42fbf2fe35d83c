import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Job } from '../domain/report.js';
import { PreconditionFailedError } from '../errors.js';
import { JOBS } from '../jobs.js';
import { alertStateKey, ALERT_STATE_PREFIX, STORE_IDENTITY_KEY } from '../layout.js';
import type { ObjectStore } from '../ports/object-store.js';

/*
 * The store's identity (`state/store.json`): which jobs have saved alert state in this store, and since when. It is
 * what tells a job whose state is gone without a trace (no document, no earlier copy) that it lost it, rather than
 * starting for the first time: the first case raises the critical "state lost" notice, the second starts quietly.
 * It is written after a job's state is first saved (never before: a run that cannot save must not leave a store
 * claiming state it never had), and read only when a state is missing or does not yet carry the identity's id.
 */

export interface StoreIdentity {
  readonly version: 1;
  /** Random, made on first use; alert states that the identity lists carry it as `storeId`. */
  readonly id: string;
  readonly createdAt: string;
  /** Each job that has saved alert state here, with when it first did. */
  readonly jobs: Readonly<Partial<Record<Job, string>>>;
}

const identitySchema = z.object({
  version: z.literal(1),
  id: z.string().min(1),
  createdAt: z.string(),
  jobs: z.record(z.string(), z.string()),
});

/** What the store says of itself: nothing (a new store), its identity, or an identity object that does not read. */
export type IdentityReading =
  | { readonly state: 'absent' }
  | { readonly state: 'present'; readonly identity: StoreIdentity; readonly etag: string }
  | { readonly state: 'unreadable'; readonly reason: string; readonly etag: string };

export async function readStoreIdentity(store: ObjectStore): Promise<IdentityReading> {
  const stored = await store.get(STORE_IDENTITY_KEY);
  if (!stored) return { state: 'absent' };
  try {
    const identity = identitySchema.parse(JSON.parse(stored.body.toString('utf8'))) as StoreIdentity;
    return { state: 'present', identity, etag: stored.etag };
  } catch (error) {
    return { state: 'unreadable', reason: error instanceof Error ? error.message : String(error), etag: stored.etag };
  }
}

/**
 * Whether the store says `job` kept alert state in it. An identity that does not read says yes: the store was in use,
 * and taking a lost state for a first run is the silent failure this object exists to prevent.
 */
export function listsJob(reading: IdentityReading, job: Job): boolean {
  return reading.state === 'unreadable' || (reading.state === 'present' && reading.identity.jobs[job] !== undefined);
}

/**
 * The jobs whose alert state the store holds, with the time it was last written: what a new (or unreadable) identity
 * starts from, so a store used before identities existed lists every job that kept state in it.
 */
async function jobsWithState(store: ObjectStore): Promise<Partial<Record<Job, string>>> {
  const keys = new Map((await store.list(ALERT_STATE_PREFIX)).map((o) => [o.key, o.lastModified]));
  return Object.fromEntries(
    JOBS.flatMap((job) => (keys.has(alertStateKey(job)) ? [[job, keys.get(alertStateKey(job))!.toISOString()]] : [])),
  );
}

/**
 * Adds `job` to the store's identity (making it on the store's first use, with every job whose state is already there),
 * with conditional writes so two jobs saving their first state at once both end up listed. Returns the identity's id.
 */
export async function registerJob(store: ObjectStore, job: Job, now: Date, attempts = 5): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const reading = await readStoreIdentity(store);
    if (reading.state === 'present' && reading.identity.jobs[job] !== undefined) return reading.identity.id;
    const base: StoreIdentity =
      reading.state === 'present'
        ? reading.identity
        : { version: 1, id: randomUUID(), createdAt: now.toISOString(), jobs: await jobsWithState(store) };
    const identity: StoreIdentity = { ...base, jobs: { ...base.jobs, [job]: now.toISOString() } };
    try {
      await store.put(STORE_IDENTITY_KEY, `${JSON.stringify(identity, null, 1)}\n`, {
        ...(reading.state === 'absent' ? { ifNoneMatch: '*' as const } : { ifMatch: reading.etag }),
        contentType: 'application/json',
      });
      return identity.id;
    } catch (error) {
      const conflict = error instanceof PreconditionFailedError || (error as Error | undefined)?.name === 'PreconditionFailedError';
      if (!conflict || attempt >= attempts) throw error;
    }
  }
}
