import { randomUUID } from 'node:crypto';
import type { CoreConfig } from '../config/schema.js';
import { channelsOf, type DeliveryChannel } from '../delivery/channel.js';
import type { Finding } from '../domain/finding.js';
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
  ) {
    super(message, { cause });
    this.name = 'AlertStateSaveError';
  }
}

interface LoadedState {
  readonly state: AlertState;
  readonly etag: string | undefined;
  readonly warning?: string;
  /** Set when the document was unreadable and no earlier copy could be read either. */
  readonly lost?: StateLostNotice;
}

/** How many earlier versions to try when the current document is damaged. */
const RECOVERY_VERSIONS = 10;

/**
 * Reads `state/alerts/<job>.json`. A damaged document is recovered from the newest earlier copy
 * that parses (the versioned bucket's previous versions, the local store's kept copy); when none
 * does, the run starts empty and says so in a critical notice, never as a silent "0 open".
 */
async function loadState(store: ObjectStore, key: string, job: Job, now: Date): Promise<LoadedState> {
  const stored = await store.get(key);
  if (!stored) return { state: emptyAlertState(), etag: undefined };
  try {
    return { state: parseAlertState(stored.body.toString('utf8')), etag: stored.etag };
  } catch (error) {
    if (!(error instanceof AlertStateError)) throw error;
    const reason = error.message;
    let tried = 0;
    let listError: string | undefined;
    const older = await (store.previousVersions?.(key, RECOVERY_VERSIONS) ?? Promise.resolve([])).catch((e: unknown) => {
      listError = errorText(e);
      return [];
    });
    for (const version of older) {
      tried++;
      try {
        const state = parseAlertState(version.body.toString('utf8'));
        const from = version.lastModified ? ` of ${version.lastModified.toISOString()}` : '';
        return {
          state,
          etag: stored.etag,
          warning: `${store.location} ${key}: ${reason}; recovered from the earlier copy${from}`,
        };
      } catch {
        // damaged too: try the next older one
      }
    }
    const why = listError ? `earlier copies unreadable (${listError})` : `${tried} earlier cop${tried === 1 ? 'y' : 'ies'} tried`;
    const lost: StateLostNotice = { job, key, location: store.location, reason: `${reason}; ${why}`, at: now.toISOString() };
    return {
      state: emptyAlertState(),
      etag: stored.etag,
      warning: `${store.location} ${key}: ${reason}; nothing recoverable (${why}): started empty, critical notice sent`,
      lost,
    };
  }
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

/**
 * One run of the alert engine against the store, as an outbox:
 * 1. claim: load, evaluate and write the state conditionally, with the notices to send added to
 *    its outbox (one entry per channel). A conflict means another run saved meanwhile: reload and
 *    evaluate again on top of it, so every observation counts and a notice the other run already
 *    claimed is not planned twice;
 * 2. publish what this run claimed (and entries of dead or failed runs whose lease ran out);
 * 3. settle: remove what was delivered; what failed stays for the next run, on that channel only.
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
  const render = (entry: OutboxEntry): Notification => {
    if (entry.stateLost) return renderStateLost(entry.stateLost, config, Object.keys(config.targets), { dashboard: readDashboardUrl() });
    const channel = byName.get(entry.channel)!;
    if (channel.render) return channel.render(entry.planned!, config);
    return renderNotification(entry.planned!, config, { dashboard: readDashboardUrl() });
  };

  // 1. Claim.
  let mine: readonly OutboxEntry[] = [];
  let suppressed: SuppressedItem[] = [];
  let etag: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadState(store, key, job, now);
    const evaluation = evaluate({ state: loaded.state, findings, now, config, job });
    const claimed = claim({
      loaded: loaded.state,
      evaluated: evaluation.state,
      planned: evaluation.notifications,
      stateLost: loaded.lost,
      channels: channels.map((c) => c.name),
      runId,
      now,
      leaseMs: input.leaseMs ?? DEFAULT_LEASE_MS,
    });
    try {
      etag = (await store.put(key, serializeAlertState(claimed.state), saveOptions(loaded.etag))).etag;
      if (loaded.warning) warnings.push(loaded.warning);
      mine = claimed.mine;
      suppressed = evaluation.suppressed;
      break;
    } catch (error) {
      if (!isPreconditionFailure(error)) {
        // The store refused for good (full, read-only, denied): publish what was planned anyway.
        const { sent, failed } = await publish(claimed.mine, byName, render);
        throw new AlertStateSaveError(`saving ${key}: ${errorText(error)}`, sent, failed, error);
      }
      if (attempt >= attempts) throw new AlertStateSaveError(`saving ${key}: still conflicting after ${attempts} attempts`, [], [], error);
      await sleep(baseDelayMs * 2 ** Math.min(attempt - 1, 6) * (0.5 + Math.random()));
    }
  }

  // 2. Publish.
  const { sent, failed, delivered, failures } = await publish(mine, byName, render);
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
      await store.put(key, serializeAlertState(settle(state, runId, { delivered, failed: failures, now })), saveOptions(etag));
      return { sent, failed, suppressed, warnings };
    } catch (error) {
      if (!isPreconditionFailure(error) || attempt >= attempts) {
        // Delivered entries stay claimed: a later run publishes them again once the lease ends (at least once).
        throw new AlertStateSaveError(`settling ${key}: ${errorText(error)}`, sent, failed, error);
      }
      state = undefined;
      await sleep(baseDelayMs * 2 ** Math.min(attempt - 1, 6) * (0.5 + Math.random()));
    }
  }
}

async function publish(
  entries: readonly OutboxEntry[],
  byName: ReadonlyMap<string, DeliveryChannel>,
  render: (entry: OutboxEntry) => Notification,
) {
  const sent: Notification[] = [];
  const failed: ProcessFindingsResult['failed'] = [];
  const delivered = new Set<string>();
  const failures = new Map<string, string>();
  for (const entry of entries) {
    const channel = byName.get(entry.channel)!;
    let notification: Notification | undefined;
    try {
      notification = render(entry);
      await channel.publish(notification);
      sent.push(notification);
      delivered.add(entry.id);
    } catch (error) {
      const text = errorText(error);
      failures.set(entry.id, text);
      if (notification) failed.push({ notification, error: text, channel: channel.name });
    }
  }
  return { sent, failed, delivered, failures };
}
