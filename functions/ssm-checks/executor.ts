/** The two jobs that run a script on the servers. */
export type ServerJob = 'disk' | 'security';
export const SERVER_JOBS: readonly ServerJob[] = ['disk', 'security'];

/** One config target's servers: every instance carrying all of `tags`. */
export interface TargetGroup {
  readonly target: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * How one host's run ended. `unreachable`: the script never ran (offline, not managed,
 * undeliverable, delivery timed out). `failed`: it started but did not finish cleanly
 * (non-zero exit, execution timeout, cancelled). Both are findings, never a pass.
 */
export type HostStatus = 'success' | 'failed' | 'unreachable';

export interface HostResult {
  /** Instance id (`i-…`, `mi-…`) through SSM; the machine's hostname in local runs. */
  readonly host: string;
  /** Computer name, when known. */
  readonly name?: string;
  readonly status: HostStatus;
  /** Why a host is unreachable or failed, in words (`SSM ping status ConnectionLost`). */
  readonly detail?: string;
  readonly stdout: string;
  readonly stderr: string;
  /** The transport cut the output at its cap (SSM: 2,500 characters listed, 24,000 fetched). */
  readonly outputTruncated?: boolean;
}

/**
 * Runs a job's script on a target's servers with the given parameters (document parameters
 * through SSM, `SSM_<name>` environment variables locally) and returns one result per host.
 */
export interface Executor {
  runScript(job: ServerJob, params: Readonly<Record<string, string>>, group: TargetGroup): Promise<HostResult[]>;
}
