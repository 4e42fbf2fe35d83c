/**
 * The remote-execution port: run one of the repository's shell scripts on the servers a target's
 * tags select, with parameters, and read back what each host printed. Adapters: SSM Run Command
 * (`ssm-run-command.ts`, deployed) and local bash (`local-bash.ts`, `--local` runs and tests).
 * Values never become shell text: they reach the script as `SSM_<name>` environment variables.
 */

/** One parameter of a script: a document parameter through SSM, an `SSM_<name>` variable to the script. */
export interface ScriptParameter {
  readonly name: string;
  readonly description: string;
  /** Checked by SSM before a command is accepted (and by `checkParameters` before a local run). */
  readonly allowedPattern: string;
  /** Absent: the parameter is required. */
  readonly default?: string;
}

/** A script the port runs: one file of the repository, shipped verbatim as one document step. */
export interface ShellScript {
  /** Names the script in pending runs, output keys and the adapter's document table (`disk`, `backup`). */
  readonly id: string;
  /** What a command is, for its SSM comment (`disk check`): "ops-autopilot <title> of <target>". */
  readonly title: string;
  /** Absolute path of the script. */
  readonly file: string;
  /**
   * Absolute paths of shell files put in front of the script when it is read (`readScript`): helpers several
   * scripts share, while a document still carries one self-contained script.
   */
  readonly prelude?: readonly string[];
  /** The document's description. */
  readonly description: string;
  /** The document step's name. */
  readonly stepName: string;
  readonly parameters: readonly ScriptParameter[];
  /** How long the script may run on a host (the document step's timeoutSeconds). */
  readonly executionTimeoutSeconds: number;
  /**
   * Whether an output holds all the caller reads. SSM lists only the first 2,500 characters of
   * each host's output; for an incomplete one the adapter fetches the longer copy.
   */
  readonly outputComplete: (stdout: string) => boolean;
}

/** The servers of one config target: every managed node carrying all of `tags`. */
export interface HostSelector {
  readonly target: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * How one host's run ended. `unreachable`: the script never ran (offline, not managed,
 * undeliverable, delivery timed out). `failed`: it started but did not finish cleanly
 * (non-zero exit, execution timeout, cancelled).
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
  /** The script's exit status, when it ran and exited. */
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The transport cut the output at its cap (SSM: 2,500 characters listed, 24,000 fetched). */
  readonly outputTruncated?: boolean;
}

/** A managed node as the adapter found it. */
export interface ManagedNode {
  readonly name?: string;
  readonly ping?: string;
  readonly platform?: string;
}

/**
 * One sent command: plain JSON, so a run can be saved (`state/ssm-pending/`) and collected by a
 * later invocation.
 */
export interface SentCommand {
  /** The script's id. */
  readonly script: string;
  readonly target: string;
  /** Absent when nothing was sent (no reachable host, or the send failed): `early` holds every result. */
  readonly commandId?: string;
  readonly sentAt: number;
  /** Epoch ms by which every host has a final status (delivery + execution timeout). */
  readonly expiresAt: number;
  /** Every node carrying the target's tags. */
  readonly nodes: Readonly<Record<string, ManagedNode>>;
  /** The hosts whose results are awaited. */
  readonly awaited: readonly string[];
  /** Results known before collecting: offline, not Linux, or the send failed. */
  readonly early: readonly HostResult[];
}

export interface SendOptions {
  /**
   * The script must run on exactly one host (a database lives on one server): the send throws
   * unless the tags select exactly one online node, named in the error with this purpose
   * (`a backup via ssm`), and the command addresses that node alone.
   */
  readonly exactlyOne?: string;
}

export interface CollectOptions {
  /** Epoch ms: return undefined if the results are not all in by then (the command goes on). */
  readonly deadline?: number;
  /** Aborted: return undefined at once (the command goes on; `cancel` stops it). */
  readonly signal?: AbortSignal;
}

export interface RemoteExecution {
  /** Finds the target's hosts and starts the script on them; nothing is awaited. */
  send(script: ShellScript, parameters: Readonly<Record<string, string>>, hosts: HostSelector, options?: SendOptions): Promise<SentCommand>;
  /** One result per host, or undefined when the deadline or the signal came first. */
  collect(sent: SentCommand, options?: CollectOptions): Promise<HostResult[] | undefined>;
  /** Stops a command still running (best effort: a command already finished is left alone). */
  cancel(sent: SentCommand): Promise<void>;
}

/** Send, then collect until done (no deadline). */
export async function runScript(
  remote: RemoteExecution,
  script: ShellScript,
  parameters: Readonly<Record<string, string>>,
  hosts: HostSelector,
): Promise<HostResult[]> {
  const results = await remote.collect(await remote.send(script, parameters, hosts));
  if (!results) throw new Error(`the ${script.id} command of ${hosts.target} gave no results`);
  return results;
}
