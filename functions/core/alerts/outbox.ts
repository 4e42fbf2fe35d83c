import type { AlertState, OutboxEntry, StateLostNotice } from './state.js';
import type { PlannedNotification } from './notice.js';

/**
 * How long a run may take to publish what it claimed before another run may take it over. A
 * publish is one SNS call; a run that has not confirmed after this long has most likely died,
 * and waiting longer would only delay its notices. Taking over a live run's notice repeats it
 * once, never drops it.
 */
export const DEFAULT_LEASE_MS = 120_000;

/** A run's claim: the notices to publish now, newest state including them. */
export interface Claim {
  readonly state: AlertState;
  /** The outbox entries this run now holds, oldest first. */
  readonly mine: readonly OutboxEntry[];
}

export interface ClaimInput {
  /** The state as loaded, with its outbox (entries left by earlier runs). */
  readonly loaded: AlertState;
  /** evaluate()'s state: observations applied, bookkeeping advanced as if every notice is delivered. */
  readonly evaluated: AlertState;
  readonly planned: readonly PlannedNotification[];
  /** A notice that the state was lost, when it was. */
  readonly stateLost?: StateLostNotice;
  /** The channels this run delivers on: it claims only their entries. */
  readonly channels: readonly string[];
  readonly runId: string;
  readonly now: Date;
  readonly leaseMs: number;
  /** Ids of outbox entries whose delivery is recorded (delivery-records.ts): settled here, never published again. */
  readonly delivered?: ReadonlySet<string>;
  /** The store identity's id, when it is known to list this job. */
  readonly storeId?: string;
}

/**
 * Builds the state a run writes (conditionally) before publishing anything: the evaluated state,
 * the outbox it found less the entries whose delivery is recorded, with expired entries of its
 * channels taken over, and one new entry per planned notice and channel. Pure.
 */
export function claim(input: ClaimInput): Claim {
  const { runId, now } = input;
  const nowIso = now.toISOString();
  const leaseUntil = new Date(now.getTime() + input.leaseMs).toISOString();
  const mine: OutboxEntry[] = [];
  const pending = (input.loaded.outbox ?? []).filter((entry) => !input.delivered?.has(entry.id));
  const outbox = pending.map((entry) => {
    if (!input.channels.includes(entry.channel) || Date.parse(entry.leaseUntil) > now.getTime()) return entry;
    const taken = { ...entry, claimedBy: runId, leaseUntil };
    mine.push(taken);
    return taken;
  });
  const stamp = `${nowIso}:${runId.slice(0, 8)}`;
  const fresh = (notice: Pick<OutboxEntry, 'planned' | 'stateLost'>, base: string): OutboxEntry[] =>
    input.channels.map((channel) => ({
      id: `${base}@${stamp}#${channel}`,
      channel,
      createdAt: nowIso,
      claimedBy: runId,
      leaseUntil,
      attempts: 0,
      ...notice,
    }));
  const created = [
    ...(input.stateLost ? fresh({ stateLost: input.stateLost }, `${input.stateLost.job}:state-lost`) : []),
    ...input.planned.flatMap((planned) => fresh({ planned }, planned.id)),
  ];
  mine.push(...created);
  // A run slower than a concurrent one must not move savedAt back: the newer run's claim is in this document too.
  const savedAt = input.loaded.savedAt && Date.parse(input.loaded.savedAt) > now.getTime() ? input.loaded.savedAt : nowIso;
  const storeId = input.storeId ?? input.loaded.storeId;
  return { state: { ...input.evaluated, outbox: [...outbox, ...created], savedAt, ...(storeId ? { storeId } : {}) }, mine };
}

export interface Settlement {
  /** Delivered: removed from the outbox. */
  readonly delivered: ReadonlySet<string>;
  /** Failed, with the error: kept, lease released so the next run publishes them again. */
  readonly failed: ReadonlyMap<string, string>;
  readonly now: Date;
}

/**
 * The state after a run's publishes, applied to whatever the store holds now (another run may
 * have saved meanwhile): delivered entries leave the outbox; failed ones stay for the next run.
 * Entries another run took over meanwhile are left as they are. Pure and idempotent.
 */
export function settle(current: AlertState, runId: string, settlement: Settlement): AlertState {
  const outbox = (current.outbox ?? []).flatMap((entry): OutboxEntry[] => {
    if (settlement.delivered.has(entry.id)) return [];
    const error = settlement.failed.get(entry.id);
    if (error === undefined || entry.claimedBy !== runId) return [entry];
    return [{ ...entry, attempts: entry.attempts + 1, lastError: error, leaseUntil: settlement.now.toISOString() }];
  });
  return { ...current, outbox };
}
