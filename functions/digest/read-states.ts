import { type AlertState, alertStateKey, parseAlertState } from '../core/alerts/state.js';
import type { Job } from '../core/domain/report.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import { listsJob, readStoreIdentity } from '../core/alerts/store-identity.js';

/** Earlier copies tried when a job's state does not read, as the alert engine does. */
const EARLIER_COPIES = 3;

export interface ReadStates {
  readonly states: readonly AlertState[];
  /** Jobs whose state neither read nor had an earlier copy that reads: their open alerts are unknown. */
  readonly unreadable: readonly Job[];
  /** One line per state recovered from an earlier copy, or unreadable. */
  readonly warnings: readonly string[];
}

/**
 * The alert state of each job, for the digest. A damaged or missing document is read from its newest earlier copy that
 * parses (a versioned bucket's previous versions, a directory's `.prev`); one that has none is named, never taken for
 * "no open alerts": the digest would otherwise report 0 open while alerts are open. A missing document of a job the
 * store never kept state for (store-identity.ts) is a job that has not run yet: nothing to count, nothing to say.
 */
export async function readAlertStates(store: ObjectStore, jobs: readonly Job[]): Promise<ReadStates> {
  const read = await Promise.all(jobs.map((job) => readOne(store, job)));
  return {
    states: read.flatMap((r) => (r.state ? [r.state] : [])),
    unreadable: read.flatMap((r, i) => (r.unreadable ? [jobs[i]!] : [])),
    warnings: read.flatMap((r) => (r.warning ? [r.warning] : [])),
  };
}

async function readOne(store: ObjectStore, job: Job): Promise<{ state?: AlertState; unreadable?: boolean; warning?: string }> {
  const key = alertStateKey(job);
  const stored = await store.get(key);
  let reason = 'missing';
  if (stored) {
    try {
      return { state: parseAlertState(stored.body.toString('utf8')) };
    } catch (error) {
      reason = (error as Error).message;
    }
  }
  const earlier = await (store.previousVersions?.(key, EARLIER_COPIES) ?? Promise.resolve([])).catch(() => []);
  for (const version of earlier) {
    try {
      const state = parseAlertState(version.body.toString('utf8'));
      return { state, warning: `${store.location} ${key}: ${reason}; the digest read the earlier copy` };
    } catch {
      // damaged too: the next older one
    }
  }
  // A job that never saved state here has none to count; one whose state the store says it kept has lost it.
  if (!stored && !listsJob(await readStoreIdentity(store), job)) return {};
  return { unreadable: true, warning: `${store.location} ${key}: ${reason}; no earlier copy reads: ${job}'s open alerts are not counted` };
}
