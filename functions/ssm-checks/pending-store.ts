import { PreconditionFailedError } from '../core/errors.js';
import { PENDING_RUNS_PREFIX } from '../core/layout.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import type { ServerJob } from './checks.js';
import type { PendingServerRun } from './run-server-checks.js';

/** Runs sent but not yet collected, one object per run; kept out of the bucket lifecycle like the rest of `state/`. */
export const PENDING_PREFIX = PENDING_RUNS_PREFIX;
export const PENDING_KEY_PATTERN = /^state\/ssm-pending\/(disk|security)\/[A-Za-z0-9-]{1,80}\.json$/;

export function pendingKey(job: ServerJob, runId: string): string {
  return `${PENDING_PREFIX}${job}/${runId}.json`;
}

export async function savePending(
  store: ObjectStore,
  run: PendingServerRun,
  options: { ifMatch?: string } = {},
): Promise<{ key: string; etag: string }> {
  const key = pendingKey(run.job, run.runId);
  const { etag } = await store.put(key, JSON.stringify(run), {
    contentType: 'application/json',
    ...(options.ifMatch ? { ifMatch: options.ifMatch } : {}),
  });
  return { key, etag };
}

/**
 * Loads a pending run and claims it by a conditional rewrite (If-Match), so when an event is
 * delivered twice only one invocation collects and alerts. Undefined: gone, or claimed by another.
 */
export async function claimPending(store: ObjectStore, key: string): Promise<PendingServerRun | undefined> {
  const stored = await store.get(key);
  if (!stored) return undefined;
  const run = JSON.parse(stored.body.toString('utf8')) as PendingServerRun;
  if (run.version !== 1 || pendingKey(run.job, run.runId) !== key)
    throw new Error(`${store.location} ${key}: not a pending server-check run`);
  // Commands saved before the remote-execution port named their script `job`; a run sent across a deploy still collects.
  const commands = run.commands.map((c) => ({ ...c, script: c.script ?? (c as { job?: string }).job ?? run.job }));
  const claimed = { ...run, commands, continuations: run.continuations + 1 };
  try {
    await store.put(key, JSON.stringify(claimed), { contentType: 'application/json', ifMatch: stored.etag });
  } catch (error) {
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
  return claimed;
}

/** Pending runs of a job that nobody has touched since `before`: their continuation was lost. */
export async function staleRuns(store: ObjectStore, job: ServerJob, before: Date): Promise<string[]> {
  const objects = await store.list(`${PENDING_PREFIX}${job}/`);
  return objects.filter((o) => o.lastModified < before && PENDING_KEY_PATTERN.test(o.key)).map((o) => o.key);
}
