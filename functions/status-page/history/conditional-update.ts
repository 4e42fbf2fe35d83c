import { PreconditionFailedError } from '../../core/errors.js';
import type { ObjectStore } from '../../core/ports/object-store.js';
import { HistoryDocumentError } from './day-document.js';

export interface RetryOptions {
  /** Writes tried before giving up on a key other runs keep changing. @default 8 */
  readonly attempts?: number;
  /** First back-off; doubles each attempt, with jitter. @default 20 */
  readonly baseDelayMs?: number;
}

export interface DocumentUpdate<T> {
  readonly key: string;
  parse(text: string): T;
  empty(): T;
  /**
   * The document to write on top of `current`, or undefined when there is nothing to change. `damaged` is set when
   * the stored document did not parse and `current` is an empty one taking its place.
   */
  apply(current: T, damaged: string | undefined): T | undefined;
  serialize(document: T): string;
}

export interface UpdateResult<T> {
  readonly document: T;
  /** This write created the key (no document existed). */
  readonly created: boolean;
  /** Why the stored document was replaced, when it was damaged. */
  readonly damaged?: string;
  readonly written: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function isPreconditionFailure(error: unknown): boolean {
  return error instanceof PreconditionFailedError || (error as Error | undefined)?.name === 'PreconditionFailedError';
}

/**
 * Read, change, write back only if nobody wrote meanwhile (If-Match, or If-None-Match for a new key); on a conflict
 * read again and re-apply, so two overlapping runs both count. A damaged document is replaced by `apply` on an empty
 * one (the versioned bucket keeps the damaged version, the directory store its `.prev` copy) and said so.
 */
export async function updateDocument<T>(store: ObjectStore, update: DocumentUpdate<T>, retry: RetryOptions = {}): Promise<UpdateResult<T>> {
  const attempts = retry.attempts ?? 8;
  const baseDelayMs = retry.baseDelayMs ?? 20;
  for (let attempt = 1; ; attempt++) {
    const stored = await store.get(update.key);
    let current: T;
    let damaged: string | undefined;
    if (!stored) {
      current = update.empty();
    } else {
      try {
        current = update.parse(stored.body.toString('utf8'));
      } catch (error) {
        if (!(error instanceof HistoryDocumentError)) throw error;
        damaged = error.message;
        current = update.empty();
      }
    }
    const next = update.apply(current, damaged);
    if (next === undefined) return { document: current, created: false, written: false, ...(damaged ? { damaged } : {}) };
    try {
      await store.put(update.key, update.serialize(next), {
        ...(stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' as const }),
        contentType: 'application/json',
      });
      return { document: next, created: !stored, written: true, ...(damaged ? { damaged } : {}) };
    } catch (error) {
      if (!isPreconditionFailure(error)) throw error;
      if (attempt >= attempts) throw new Error(`${update.key}: still conflicting after ${attempts} attempts`, { cause: error });
      await sleep(baseDelayMs * 2 ** Math.min(attempt - 1, 6) * (0.5 + Math.random()));
    }
  }
}
