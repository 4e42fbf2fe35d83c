import { AlertStateError, type AlertState, parseAlertState } from '../core/alerts/state.js';
import { ALERT_STATE_PREFIX, BACKUPS_PREFIX, parseBackupKey } from '../core/layout.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import { type HistoryView, readHistory } from './history/read-history.js';
import { type PageState, readPageState } from './page-state.js';

/** One job's alert state as stored: parsed, and raw, for fields a newer version added (acknowledgements). */
export interface JobState {
  readonly job: string;
  readonly state: AlertState;
  readonly raw: unknown;
}

/** A database's newest verified backup: its manifest's key carries the time, the archive's listing entry the size. */
export interface NewestBackup {
  readonly at: Date;
  readonly sizeBytes?: number;
  readonly key: string;
}

/** Everything the page is drawn from, read from the store. */
export interface StatusInputs {
  readonly now: Date;
  readonly history: HistoryView;
  readonly states: readonly JobState[];
  readonly pageState: PageState;
  /** By `${target}/${database}`. */
  readonly backups: ReadonlyMap<string, NewestBackup>;
  /** Objects that could not be read, each named: the page says so instead of drawing a blank. */
  readonly problems: readonly string[];
}

const STATE_KEY = /^state\/alerts\/([a-z][a-z0-9-]{0,31})\.json$/;
const EARLIER_COPIES = 3;

/** Every job's alert state under `state/alerts/` (the drill's too, when there is one); a damaged one from an earlier copy. */
async function readStates(store: ObjectStore, problems: string[]): Promise<JobState[]> {
  const states: JobState[] = [];
  for (const info of await store.list(ALERT_STATE_PREFIX)) {
    const job = STATE_KEY.exec(info.key)?.[1];
    if (!job) continue;
    const stored = await store.get(info.key);
    if (!stored) continue;
    const candidates = [stored.body];
    let read: JobState | undefined;
    let reason = '';
    for (let i = 0; i < candidates.length && !read; i++) {
      try {
        const text = candidates[i]!.toString('utf8');
        read = { job, state: parseAlertState(text), raw: JSON.parse(text) };
      } catch (error) {
        if (!(error instanceof AlertStateError)) throw error;
        if (i === 0) {
          reason = error.message;
          const earlier = await (store.previousVersions?.(info.key, EARLIER_COPIES) ?? Promise.resolve([])).catch(() => []);
          candidates.push(...earlier.map((v) => v.body));
        }
      }
    }
    if (read) {
      states.push(read);
      if (reason) problems.push(`${info.key}: ${reason}; shown from its earlier copy`);
    } else {
      problems.push(`${info.key}: ${reason}; no earlier copy reads: the ${job} job's checks and incidents are missing here`);
    }
  }
  return states;
}

/** Newest manifest per database, from one listing of `backups/` (no manifest is read: its key says when). */
async function newestBackups(store: ObjectStore): Promise<Map<string, NewestBackup>> {
  const listing = await store.list(BACKUPS_PREFIX);
  const archives = new Map<string, number>();
  const newest = new Map<string, NewestBackup & { base: string }>();
  for (const info of listing) {
    const parsed = parseBackupKey(info.key);
    if (!parsed) continue;
    if (parsed.role === 'archive') {
      archives.set(parsed.base, info.size);
      continue;
    }
    const id = `${parsed.target}/${parsed.database}`;
    const seen = newest.get(id);
    if (!seen || seen.at < parsed.startedAt) newest.set(id, { at: parsed.startedAt, key: info.key, base: parsed.base });
  }
  return new Map(
    [...newest].map(([id, { at, key, base }]) => [id, { at, key, ...(archives.has(base) ? { sizeBytes: archives.get(base)! } : {}) }]),
  );
}

/**
 * Reads the page's inputs: the history (two listings and about three reads per schedule group), every job's alert
 * state, the page state (since when) and one listing of the backups. A part that cannot be read is a problem named
 * on the page; a store that cannot be reached at all throws (the run reports it).
 */
export async function gatherStatus(store: ObjectStore, now: Date, timeZone: string): Promise<StatusInputs> {
  const problems: string[] = [];
  const [history, states, page, backups] = await Promise.all([
    readHistory(store, now, timeZone),
    readStates(store, problems),
    readPageState(store),
    newestBackups(store),
  ]);
  if (page.problem) problems.push(page.problem);
  return { now, history, states, pageState: page.state, backups, problems: [...history.problems, ...problems] };
}
