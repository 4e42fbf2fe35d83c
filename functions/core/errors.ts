import type { Report } from './domain/report.js';

/** A usage or config error: the CLI exits 2 and prints `path: message` lines. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export class PreconditionFailedError extends Error {
  constructor(key: string) {
    super(`concurrent update of ${key}`);
    this.name = 'PreconditionFailedError';
  }
}

/**
 * The store refused in a way retrying does not mend: full, read-only, not a directory, denied,
 * locked by a live process. The message is one line naming the store, the key and the reason;
 * the CLI prints it and exits 4.
 */
export class StoreFaultError extends Error {
  constructor(
    message: string,
    /** The system's error code when there is one (ENOSPC, EROFS, ...). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StoreFaultError';
  }
}

/** A job found what it found but could not finish (its state could not be kept): the report so far, and why. */
export class IncompleteRunError extends Error {
  constructor(
    readonly report: Report,
    cause: unknown,
  ) {
    super(`${report.job}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'IncompleteRunError';
  }
}

/** The StoreFaultError behind an error (itself, or anywhere down its `cause` chain). */
export function storeFaultOf(error: unknown): StoreFaultError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof StoreFaultError) return e;
  }
  return undefined;
}

/**
 * A service a command needs refused or could not be reached (restore: the target database's
 * port is dead, or it refuses the login). One clear line, exit 4: the user's to fix, not a bug.
 */
export class ServiceFaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceFaultError';
  }
}
