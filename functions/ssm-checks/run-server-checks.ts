import type { ServersConfig } from '../core/config/schema.js';
import type { Finding } from '../core/domain/finding.js';
import { ConfigError } from '../core/errors.js';
import { type Activity, during } from '../core/run/activity.js';
import { type HostResult, type HostSelector, type RemoteExecution, runScript, type SentCommand } from '../remote/port.js';
import { errorName } from '../remote/retry.js';
import { checkServerParameters, parametersFor, SERVER_CHECKS, type ServerJob } from './checks.js';
import { findingsForGroup } from './findings.js';
import type { Config } from '../kinds/config.js';
import { classifyRule } from '../kinds/catalog.js';

export interface ServerTarget extends HostSelector {
  readonly servers: ServersConfig;
}

/** The selected targets that have `servers` (all of them when `targets` is empty). */
export function serverTargets(config: Config, targets?: readonly string[]): ServerTarget[] {
  return Object.entries(config.targets)
    .filter(([name, t]) => t.servers && (!targets?.length || targets.includes(name)))
    .map(([target, t]) => ({ target, tags: t.servers!.tags, servers: t.servers! }));
}

/** A group whose run broke inside AWS (access denied, an SSM outage): one High finding, not a crashed job. */
function groupError(job: ServerJob, group: HostSelector, error: unknown): Finding {
  return {
    target: group.target,
    check: 'instances',
    kind: 'server',
    severity: classifyRule('server.unreachable', 'critical'),
    summary: `the ${job} check could not run through SSM: ${errorName(error) || 'Error'}: ${(error as Error).message}`,
    observed: { job, tags: group.tags },
  };
}

export interface RunServerChecksOptions {
  readonly targets?: readonly string[];
  readonly remote: RemoteExecution;
  /** Told which target's script is running (the CLI's progress line). */
  readonly activity?: Activity;
}

/**
 * Runs a job's script on every selected target's servers and turns what each host reported into
 * findings. Used by `autopilot run disk|security --local` (LocalBash: once per target, on this
 * machine) and, through SsmRunCommand, by a deployed run that finishes inside one invocation.
 */
export async function runServerChecks(job: ServerJob, config: Config, options: RunServerChecksOptions): Promise<Finding[]> {
  const groups = serverTargets(config, options.targets);
  const perGroup = await Promise.all(
    groups.map(async (group) => {
      const params = parametersFor(job, group.servers);
      checkServerParameters(job, params, group.target);
      try {
        const results = await during(options.activity, `the ${job} script for ${group.target}`, () =>
          runScript(options.remote, SERVER_CHECKS[job].script, params, group),
        );
        return findingsForGroup(job, group, group.servers, results);
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        return [groupError(job, group, error)];
      }
    }),
  );
  return perGroup.flat();
}

/**
 * A deployed run between sending and collecting: plain JSON, saved under `state/ssm-pending/`
 * when the invocation runs out of time, and picked up by the next one.
 */
export interface PendingServerRun {
  readonly version: 1;
  readonly job: ServerJob;
  readonly runId: string;
  readonly startedAt: string;
  /** Findings of the groups already collected. */
  readonly findings: readonly Finding[];
  /** Commands still running. */
  readonly commands: readonly SentCommand[];
  /** How many invocations have carried this run on. */
  readonly continuations: number;
}

/** Sends one command per target group; nothing is awaited yet. */
export async function startServerChecks(
  job: ServerJob,
  config: Config,
  options: { readonly targets?: readonly string[]; readonly remote: RemoteExecution; readonly runId: string; readonly now: Date },
): Promise<PendingServerRun> {
  const started = await Promise.all(
    serverTargets(config, options.targets).map(async (group): Promise<{ findings: Finding[]; command?: SentCommand }> => {
      const params = parametersFor(job, group.servers);
      checkServerParameters(job, params, group.target);
      try {
        const sent = await options.remote.send(SERVER_CHECKS[job].script, params, group);
        return sent.commandId ? { findings: [], command: sent } : { findings: findingsForGroup(job, group, group.servers, sent.early) };
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        return { findings: [groupError(job, group, error)] };
      }
    }),
  );
  const findings = started.flatMap((s) => s.findings);
  const commands = started.flatMap((s) => (s.command ? [s.command] : []));
  return { version: 1, job, runId: options.runId, startedAt: options.now.toISOString(), findings, commands, continuations: 0 };
}

/**
 * Collects what it can before `deadline` (epoch ms). Commands that finished move into
 * `findings`; the rest stay in `commands` for the next invocation.
 */
export async function resumeServerChecks(
  run: PendingServerRun,
  config: Config,
  options: { readonly remote: RemoteExecution; readonly deadline?: number },
): Promise<PendingServerRun> {
  const collected = await Promise.all(
    run.commands.map(async (sent): Promise<{ findings: Finding[]; command?: SentCommand }> => {
      const servers = config.targets[sent.target]?.servers;
      const group: HostSelector = { target: sent.target, tags: servers?.tags ?? {} };
      let results: HostResult[] | undefined;
      try {
        results = await options.remote.collect(sent, { deadline: options.deadline });
      } catch (error) {
        return { findings: [groupError(run.job, group, error)] };
      }
      if (!results) return { findings: [], command: sent };
      return { findings: servers ? findingsForGroup(run.job, group, servers, results) : [] };
    }),
  );
  const findings = [...run.findings, ...collected.flatMap((c) => c.findings)];
  const commands = collected.flatMap((c) => (c.command ? [c.command] : []));
  return { ...run, findings, commands };
}
