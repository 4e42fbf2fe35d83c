import type { Config } from '../config/schema.js';
import type { Finding } from '../domain/finding.js';
import type { Job, Notification } from '../domain/report.js';
import { PreconditionFailedError } from '../errors.js';
import type { Notifier } from '../ports/notifier.js';
import type { ObjectStore } from '../ports/object-store.js';
import { commit, mergeRunInto, notifiedKeys } from './commit.js';
import { evaluate, type SuppressedItem } from './evaluate.js';
import { renderNotification } from './message.js';
import { AlertStateError, alertStateKey, emptyAlertState, parseAlertState, serializeAlertState, type AlertState } from './state.js';

export interface ProcessFindingsInput {
  readonly job: Job;
  readonly findings: readonly Finding[];
  readonly config: Config;
  readonly store: ObjectStore;
  readonly notifier: Notifier;
  readonly now: Date;
  /** Conditional-save retries when another run saved the state meanwhile. */
  readonly retry?: { readonly attempts?: number; readonly baseDelayMs?: number };
}

export interface ProcessFindingsResult {
  readonly sent: Notification[];
  readonly failed: Array<{ notification: Notification; error: string }>;
  /** Notices held back by a silence. */
  readonly suppressed: SuppressedItem[];
  /** Problems that did not stop the run, e.g. an unreadable state document that was replaced. */
  readonly warnings: string[];
}

/** The state could not be saved after all retries; the notices in `sent` did go out. */
export class AlertStateSaveError extends Error {
  constructor(
    message: string,
    readonly sent: Notification[],
    readonly failed: ProcessFindingsResult['failed'],
  ) {
    super(message);
    this.name = 'AlertStateSaveError';
  }
}

interface LoadedState {
  readonly state: AlertState;
  readonly etag: string | undefined;
  readonly warning?: string;
}

async function loadState(store: ObjectStore, key: string): Promise<LoadedState> {
  const stored = await store.get(key);
  if (!stored) return { state: emptyAlertState(), etag: undefined };
  try {
    return { state: parseAlertState(stored.body.toString('utf8')), etag: stored.etag };
  } catch (error) {
    if (!(error instanceof AlertStateError)) throw error;
    // Keeping a broken document would stop alerting for good; start over and say so.
    return { state: emptyAlertState(), etag: stored.etag, warning: `${store.location} ${key}: ${error.message}; alert state reset` };
  }
}

function isPreconditionFailure(error: unknown): boolean {
  return error instanceof PreconditionFailedError || (error as Error | undefined)?.name === 'PreconditionFailedError';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One run of the alert engine against the store: load `state/alerts/<job>.json`, evaluate,
 * publish each grouped notice in turn, and save the state conditionally. A notice that failed
 * to publish leaves its keys' bookkeeping as it was, so the next run sends it again.
 */
export async function processFindings(input: ProcessFindingsInput): Promise<ProcessFindingsResult> {
  const { job, findings, config, store, notifier, now } = input;
  const attempts = input.retry?.attempts ?? 6;
  const baseDelayMs = input.retry?.baseDelayMs ?? 20;
  const key = alertStateKey(job);
  const warnings: string[] = [];

  const loaded = await loadState(store, key);
  if (loaded.warning) warnings.push(loaded.warning);
  const evaluation = evaluate({ state: loaded.state, findings, now, config, job });

  const sent: Notification[] = [];
  const failed: ProcessFindingsResult['failed'] = [];
  const sentIds = new Set<string>();
  for (const planned of evaluation.notifications) {
    const notification = renderNotification(planned, config);
    try {
      await notifier.publish(notification);
      sent.push(notification);
      sentIds.add(planned.id);
    } catch (error) {
      failed.push({ notification, error: errorText(error) });
    }
  }

  const committed = commit(loaded.state, evaluation.state, evaluation.notifications, sentIds);
  const changes = {
    touched: evaluation.touched,
    pruned: evaluation.pruned,
    notified: notifiedKeys(evaluation.notifications, sentIds),
    now,
  };
  let base = loaded;
  let next = committed;
  for (let attempt = 1; ; attempt++) {
    try {
      await store.put(key, serializeAlertState(next), {
        ...(base.etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: base.etag }),
        contentType: 'application/json',
      });
      break;
    } catch (error) {
      if (!isPreconditionFailure(error)) throw new AlertStateSaveError(`saving ${key}: ${errorText(error)}`, sent, failed);
      if (attempt >= attempts) {
        throw new AlertStateSaveError(`saving ${key}: still conflicting after ${attempts} attempts`, sent, failed);
      }
      await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      base = await loadState(store, key);
      if (base.warning) warnings.push(base.warning);
      next = mergeRunInto(base.state, committed, changes);
    }
  }
  return { sent, failed, suppressed: evaluation.suppressed, warnings };
}
