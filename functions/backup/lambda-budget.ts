/**
 * How long a backup may take where it runs. Lambda stops a function at its timeout (at most 15
 * minutes); a backup that will not fit belongs on Fargate (`backup.runOn: "fargate"`).
 */
export const LAMBDA_MAX_TIMEOUT_MS = 15 * 60_000;

/** Time kept back from the Lambda timeout to abort uploads, write findings and send alerts. */
export const SAFETY_MARGIN_MS = 60_000;

/** A Lambda backup that took more than this share of its timeout is a Low finding: move it before it fails. */
export const SLOW_RUN_SHARE = 0.6;

/**
 * The database size above which a Lambda run with this timeout would not finish, at the rate
 * of a run that backed up `databaseBytes` in `durationMs` (everything included: dump, upload,
 * verification). Undefined when the run says nothing about a rate.
 */
export function lambdaLimitBytes(databaseBytes: number, durationMs: number, timeoutMs = LAMBDA_MAX_TIMEOUT_MS): number | undefined {
  if (!(databaseBytes > 0) || !(durationMs > 0)) return undefined;
  return Math.floor((databaseBytes / durationMs) * Math.max(0, timeoutMs - SAFETY_MARGIN_MS));
}

export function isSlowLambdaRun(durationMs: number, timeoutMs: number): boolean {
  return durationMs > SLOW_RUN_SHARE * timeoutMs;
}
