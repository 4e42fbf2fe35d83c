import { randomUUID } from 'node:crypto';
import type { CoreConfig } from '../config/schema.js';
import { channelsOf, type DeliveryChannel } from '../delivery/channel.js';
import { alertKey, type Finding } from '../domain/finding.js';
import type { Job, Notification } from '../domain/report.js';
import { PreconditionFailedError } from '../errors.js';
import type { Notifier } from '../ports/notifier.js';
import type { ObjectStore } from '../ports/object-store.js';
import { evaluate, type SuppressedItem } from './evaluate.js';
import { readDashboardUrl } from '../run/environment.js';
import { renderNotification } from './message.js';
import { claim, DEFAULT_LEASE_MS, settle } from './outbox.js';
import {
  AlertStateError,
  alertStateKey,
  emptyAlertState,
  parseAlertState,
  serializeAlertState,
  type AlertState,
  type OutboxEntry,
  type StateLostNotice,
} from './state.js';
import { renderStateLost } from './state-lost.js';
import { applyDeliveries, type Observed } from './apply-deliveries.js';
import { DeliveryJournal } from './delivery-records.js';
import { listsJob, readStoreIdentity, registerJob, type IdentityReading } from './store-identity.js';
import { STORE_IDENTITY_KEY } from '../layout.js';
import type { NoticeLinks } from '../links/status-link.js';

export interface ProcessFindingsInput {
  readonly job: Job;
  readonly findings: readonly Finding[];
  readonly config: CoreConfig;
  readonly store: ObjectStore;
  /** One channel, or a ChannelSet: delivery bookkeeping is kept per channel either way. */
  readonly notifier: Notifier;
  readonly now: Date;
  /** Conditional-write retries when another run saved the state meanwhile. */
  readonly retry?: { readonly attempts?: number; readonly baseDelayMs?: number };
  /** How long this run's claim on a notice lasts before another run may publish it (DEFAULT_LEASE_MS). */
  readonly leaseMs?: number;
  /** The status page link the notices carry; made once, only when there is something to publish. */
  readonly links?: NoticeLinks;
}

export interface ProcessFindingsResult {
  readonly sent: Notification[];
  readonly failed: Array<{ notification: Notification; error: string; channel: string }>;
  /** Notices held back by a silence. */
  readonly suppressed: SuppressedItem[];
  /** Problems that did not stop the run, e.g. a damaged state document recovered from an earlier copy. */
  readonly warnings: string[];
}

/**
 * The state could not be claimed or settled. `sent` did go out: when the claim itself failed
 * (a store fault, not a conflict) the run still publishes what it planned, unrecorded, since a
 * notice a broken store would swallow is worse than one sent twice.
 */
export class AlertStateSaveError extends Error {
  constructor(
    message: string,
    readonly sent: Notification[],
    readonly failed: ProcessFindingsResult['failed'],
    cause?: unknown,
    /** What the run had to say before it stopped (a recovered state, deliveries it could not record). */
    readonly warnings: readonly string[] = [],
  ) {
    super(message, { cause });
    this.name = 'AlertStateSaveError';
  }
}

interface LoadedState {
  readonly state: AlertState;
  readonly etag: string | undefined;
  readonly warning?: string;
  /** Set when the document was unreadable or missing and no earlier copy could be read either. */
  readonly lost?: StateLostNotice;
  /** What the store identity said, when loading had to ask it (the document was missing). */
  readonly identity?: IdentityReading;
}

/** How many earlier versions to try when the current document is damaged or missing. */
const RECOVERY_VERSIONS = 10;

interface EarlierCopy {
  readonly state?: AlertState;
  /** ` of <time>`, for the warning. */
  readonly from?: string;
  /** Why nothing was recovered: how many copies were tried, or why they could not be listed. */
  readonly why: string;
}

/** The newest earlier copy of `key` that parses: the versioned bucket's previous versions, the directory's `.prev`. */
async function earlierCopy(store: ObjectStore, key: string): Promise<EarlierCopy> {
  let listError: string | undefined;
  const older = await (store.previousVersions?.(key, RECOVERY_VERSIONS) ?? Promise.resolve([])).catch((e: unknown) => {
    listError = errorText(e);
    return [];
  });
  for (const version of older) {
    try {
      const state = parseAlertState(version.body.toString('utf8'));
      return { state, from: version.lastModified ? ` of ${version.lastModified.toISOString()}` : '', why: '' };
    } catch {
      // damaged too: try the next older one
    }
  }
  const tried = older.length;
  if (listError) return { why: `earlier copies unreadable (${listError})` };
  return { why: tried ? `${tried} earlier cop${tried === 1 ? 'y' : 'ies'} tried` : 'no earlier copy' };
}

/**
 * Reads `state/alerts/<job>.json`. A damaged or missing document is recovered from the newest earlier copy that
 * parses (the versioned bucket's previous versions, the local store's kept copy), with a warning. When none does, a
 * damaged document, or a missing one in a store whose identity says the job kept state there, is a lost state: the run
 * starts empty and says so in a critical notice, never as a silent "0 open". Only a job the store has never listed
 * starts quietly: its first run.
 */
async function loadState(store: ObjectStore, key: string, job: Job, now: Date): Promise<LoadedState> {
  const stored = await store.get(key);
  const lostNotice = (reason: string, missing: boolean): StateLostNotice => ({
    job,
    key,
    location: store.location,
    reason,
    at: now.toISOString(),
    ...(missing ? { missing: true } : {}),
  });
  if (stored) {
    let reason: string;
    try {
      return { state: parseAlertState(stored.body.toString('utf8')), etag: stored.etag };
    } catch (error) {
      if (!(error instanceof AlertStateError)) throw error;
      reason = error.message;
    }
    const earlier = await earlierCopy(store, key);
    if (earlier.state) {
      return {
        state: earlier.state,
        etag: stored.etag,
        warning: `${store.location} ${key}: ${reason}; recovered from the earlier copy${earlier.from}`,
      };
    }
    return {
      state: emptyAlertState(),
      etag: stored.etag,
      warning: `${store.location} ${key}: ${reason}; nothing recoverable (${earlier.why}): started empty, critical notice sent`,
      lost: lostNotice(`${reason}; ${earlier.why}`, false),
    };
  }
  const earlier = await earlierCopy(store, key);
  if (earlier.state) {
    return {
      state: earlier.state,
      etag: undefined,
      warning: `${store.location} ${key}: missing; recovered from the earlier copy${earlier.from}`,
    };
  }
  const identity = await readStoreIdentity(store);
  if (!listsJob(identity, job)) return { state: emptyAlertState(), etag: undefined, identity };
  const since =
    identity.state === 'unreadable'
      ? `the store identity ${STORE_IDENTITY_KEY} does not read (${identity.reason}), so the store was in use`
      : `the store has kept the ${job} job's alert state since ${identity.state === 'present' ? identity.identity.jobs[job] : '?'}`;
  return {
    state: emptyAlertState(),
    etag: undefined,
    identity,
    warning:
      `${store.location} ${key}: missing although ${since}; ` + `nothing recoverable (${earlier.why}): started empty, critical notice sent`,
    lost: lostNotice(`missing although ${since}; ${earlier.why}`, true),
  };
}

function isPreconditionFailure(error: unknown): boolean {
  return error instanceof PreconditionFailedError || (error as Error | undefined)?.name === 'PreconditionFailedError';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function saveOptions(etag: string | undefined) {
  return { ...(etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: etag }), contentType: 'application/json' };
}

/** The checks this run observed, by alert key: where a replayed delivery takes a lost entry's names from. */
function observedOf(findings: readonly Finding[]): Observed {
  return new Map(findings.map((f) => [alertKey(f), { target: f.target, check: f.check, kind: f.kind }]));
}

/**
 * One run of the alert engine against the store, as an outbox:
 * 1. claim: load (recovering a damaged or missing document from an earlier copy), apply the
 *    delivery records newer than what was loaded, evaluate, and write the state conditionally,
 *    with the notices to send added to its outbox (one entry per channel) and the entries whose
 *    delivery is recorded removed. A conflict means another run saved meanwhile: reload and
 *    evaluate again on top of it, so every observation counts and a notice the other run already
 *    claimed is not planned twice;
 * 2. publish what this run claimed (and entries of dead or failed runs whose lease ran out),
 *    recording each delivery as it goes (delivery-records.ts);
 * 3. settle: remove what was delivered; what failed stays for the next run, on that channel only.
 * When the store refuses the claim for good (full, read-only), the run publishes what it planned
 * anyway and records the deliveries where it still can, so the next run does not send them again.
 */
export async function processFindings(input: ProcessFindingsInput): Promise<ProcessFindingsResult> {
  const { job, findings, config, store, now } = input;
  const attempts = input.retry?.attempts ?? 8;
  const baseDelayMs = input.retry?.baseDelayMs ?? 20;
  const key = alertStateKey(job);
  const channels = channelsOf(input.notifier);
  const byName = new Map<string, DeliveryChannel>(channels.map((c) => [c.name, c]));
  const runId = randomUUID();
  const warnings: string[] = [];
  let statusPage: string | undefined;
  const render = (entry: OutboxEntry): Notification => {
    const links = { dashboard: readDashboardUrl(), statusPage };
    if (entry.stateLost) return renderStateLost(entry.stateLost, config, Object.keys(config.targets), links);
    const channel = byName.get(entry.channel)!;
    if (channel.render) return channel.render(entry.planned!, config);
    return renderNotification(entry.planned!, config, links);
  };
  /** The link is signed with a key read from Secrets Manager: a failure costs the link, never the notice. */
  const makeLink = async (entries: readonly OutboxEntry[]): Promise<void> => {
    if (!input.links || entries.length === 0 || statusPage !== undefined) return;
    try {
      statusPage = await input.links.statusPage(now);
    } catch (error) {
      warnings.push(`status page link left out of the notices: ${errorText(error)}`);
    }
  };
  const journal = new DeliveryJournal(
    store,
    job,
    channels.map((c) => c.name),
    now,
  );
  await journal.list().catch((error: unknown) => {
    warnings.push(`${store.location}: delivery records of the ${job} job not listed (${errorText(error)}): a notice may be repeated`);
  });
  const observed = observedOf(findings);

  // 1. Claim.
  let mine: readonly OutboxEntry[] = [];
  let suppressed: SuppressedItem[] = [];
  let etag: string | undefined;
  let storeId: string | undefined;
  let identity: IdentityReading | undefined;
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadState(store, key, job, now);
    const replayed = applyDeliveries(loaded.state, await journal.newerThan(loaded.state.savedAt), observed);
    const evaluation = evaluate({ state: replayed.state, findings, now, config, job });
    storeId = loaded.state.storeId;
    if (!storeId) {
      identity ??= loaded.identity ?? (await readStoreIdentity(store).catch((): IdentityReading => ({ state: 'absent' })));
      if (identity.state === 'present' && identity.identity.jobs[job] !== undefined) storeId = identity.identity.id;
    }
    const delivered = journal.deliveredOf(loaded.state.outbox ?? []);
    const claimed = claim({
      loaded: loaded.state,
      evaluated: evaluation.state,
      planned: evaluation.notifications,
      stateLost: loaded.lost,
      channels: channels.map((c) => c.name),
      runId,
      now,
      leaseMs: input.leaseMs ?? DEFAULT_LEASE_MS,
      delivered,
      storeId,
    });
    try {
      etag = (await store.put(key, serializeAlertState(claimed.state), saveOptions(loaded.etag))).etag;
      if (loaded.warning) warnings.push(loaded.warning);
      if (replayed.applied) {
        warnings.push(
          `${store.location} ${key}: ${replayed.applied} delivered notice item(s) the saved state did not know of were applied from ` +
            'their delivery records (an earlier copy was read, or a run could not save): not sent again',
        );
      }
      if (delivered.size) {
        warnings.push(
          `${store.location} ${key}: ${delivered.size} notice(s) an earlier run delivered but did not settle ` +
            'were settled from their delivery records, not sent again',
        );
      }
      mine = claimed.mine;
      suppressed = evaluation.suppressed;
      break;
    } catch (error) {
      if (!isPreconditionFailure(error)) {
        // The store refused for good (full, read-only, denied): publish what was planned anyway, and record it.
        if (loaded.warning) warnings.push(loaded.warning);
        await makeLink(claimed.mine);
        const { sent, failed } = await publish(claimed.mine, byName, render, journal, warnings);
        throw new AlertStateSaveError(`saving ${key}: ${errorText(error)}`, sent, failed, error, warnings);
      }
      if (attempt >= attempts)
        throw new AlertStateSaveError(`saving ${key}: still conflicting after ${attempts} attempts`, [], [], error, warnings);
      await sleep(baseDelayMs * 2 ** Math.min(attempt - 1, 6) * (0.5 + Math.random()));
    }
  }
  // The state is saved: now the store identity may list the job (never before, or a run that could not save would
  // leave a store claiming state it never had). A failure here is retried by the next run.
  if (!storeId) storeId = await registerJob(store, job, now).catch(() => undefined);

  // 2. Publish.
  await makeLink(mine);
  const { sent, failed, delivered, failures } = await publish(mine, byName, render, journal, warnings);
  if (mine.length === 0) return { sent, failed, suppressed, warnings };

  // 3. Settle (idempotent, so a conflict just means applying it again to the newer state).
  let state: AlertState | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      if (state === undefined) {
        const current = await store.get(key);
        if (!current) return { sent, failed, suppressed, warnings };
        state = parseAlertState(current.body.toString('utf8'));
        etag = current.etag;
      }
      const settled = settle(state, runId, { delivered, failed: failures, now });
      await store.put(key, serializeAlertState(storeId && !settled.storeId ? { ...settled, storeId } : settled), saveOptions(etag));
      return { sent, failed, suppressed, warnings };
    } catch (error) {
      if (!isPreconditionFailure(error) || attempt >= attempts) {
        // Delivered entries stay claimed; their delivery records let a later run settle them without publishing.
        throw new AlertStateSaveError(`settling ${key}: ${errorText(error)}`, sent, failed, error, warnings);
      }
      state = undefined;
      await sleep(baseDelayMs * 2 ** Math.min(attempt - 1, 6) * (0.5 + Math.random()));
    }
  }
}

/**
 * Publishes `entries` in order, recording each delivery before the next publish, so a run that dies leaves at most
 * one delivery unrecorded.
 */
async function publish(
  entries: readonly OutboxEntry[],
  byName: ReadonlyMap<string, DeliveryChannel>,
  render: (entry: OutboxEntry) => Notification,
  journal: DeliveryJournal,
  warnings: string[],
) {
  const sent: Notification[] = [];
  const failed: ProcessFindingsResult['failed'] = [];
  const delivered = new Set<string>();
  const failures = new Map<string, string>();
  const unrecorded: string[] = [];
  for (const entry of entries) {
    const channel = byName.get(entry.channel)!;
    let notification: Notification | undefined;
    try {
      notification = render(entry);
      await channel.publish(notification);
    } catch (error) {
      const text = errorText(error);
      failures.set(entry.id, text);
      if (notification) failed.push({ notification, error: text, channel: channel.name });
      continue;
    }
    sent.push(notification);
    delivered.add(entry.id);
    const recorded = await journal.record(entry);
    if (recorded.as === 'none') unrecorded.push(recorded.error);
  }
  if (unrecorded.length) {
    warnings.push(
      `${journal.location}: ${unrecorded.length} delivery record(s) not written (${unrecorded[0]}): ` +
        'if this run cannot save its state, the next may send them again',
    );
  }
  return { sent, failed, delivered, failures };
}
