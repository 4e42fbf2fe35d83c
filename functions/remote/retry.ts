export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** [0, 1) */
  readonly random: () => number;
}

/** Exponential backoff with equal jitter: half the capped delay, plus a random part of the other half. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (options.random() * cap) / 2);
}

const THROTTLING_NAMES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'RateExceeded']);

export function errorName(error: unknown): string {
  return error instanceof Error
    ? error.name
    : typeof error === 'object' && error && 'name' in error
      ? String((error as { name: unknown }).name)
      : '';
}

export function isThrottling(error: unknown): boolean {
  if (THROTTLING_NAMES.has(errorName(error))) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status === 429 || (error instanceof Error && /rate exceeded/i.test(error.message));
}

export interface ThrottleRetryOptions extends BackoffOptions {
  readonly sleep: Sleep;
  /** Attempts in all, after the SDK's own (adaptive) retries gave up. */
  readonly attempts: number;
}

/**
 * Calls again, with backoff and jitter, while the service throttles. The SDK client already
 * retries in adaptive mode; this covers a throttling storm that outlasts those retries.
 */
export async function retryThrottled<T>(call: () => Promise<T>, options: ThrottleRetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error) || attempt + 1 >= options.attempts) throw error;
      await options.sleep(backoffDelay(attempt, options));
    }
  }
}
