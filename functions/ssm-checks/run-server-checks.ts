import type { ServersConfig } from '../core/config/schema.js';
import type { Finding } from '../core/domain/finding.js';
import { ConfigError } from '../core/errors.js';
import { type Activity, during } from '../core/run/activity.js';
import { type HostResult, type HostSelector, type RemoteExecution, runScript, type SentCommand } from '../remote/port.js';
import { errorName } from '../remote/retry.js';
import { checkOfScript, checkServerParameters, checksOf, type ServerJob } from './checks.js';
import { findingsForGroup } from './findings.js';
import { runFindingName, type ServerCheck } from './server-check.js';
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
function groupError(check: ServerCheck, group: HostSelector, error: unknown): Finding {
  return {
    target: group.target,
    check: runFindingName(check, 'instances'),
    kind: 'server',
    severity: classifyRule('server.unreachable', 'critical'),
    summary: `the ${check.id} check could not run through SSM: ${errorName(error) || 'Error'}: ${(error as Error).message}`,
    observed: { job: check.id, tags: group.tags },
  };
}

/** Every (target group, check) pair a run of `job` sends, each check's parameters checked against its document. */
function plannedRuns(job: ServerJob, config: Config, targets?: readonly string[]) {
  return serverTargets(config, targets).flatMap((group) =>
    checksOf(job)
      .filter((check) => check.appliesTo(group.servers))
      .map((check) => {
        const params = check.parameters(group.servers, group.target);
        checkServerParameters(check.id, params, group.target);
        return { group, check, params };
      }),
  );
}

export interface RunServerChecksOptions {
  readonly targets?: readonly string[];
  readonly remote: RemoteExecution;
  /** Told which target's script is running (the CLI's progress line). */
  readonly activity?: Activity;
}

/**
 * Runs a job's scripts on every selected target's servers and turns what each host reported into
 * findings. Used by `autopilot run disk|security --local` (LocalBash: once per target and check, on
 * this machine) and, through SsmRunCommand, by a deployed run that finishes inside one invocation.
 */
export async function runServerChecks(job: ServerJob, config: Config, options: RunServerChecksOptions): Promise<Finding[]> {
  const runs = plannedRuns(job, config, options.targets);
  const perRun = await Promise.all(
    runs.map(async ({ group, check, params }) => {
      try {
        const results = await during(options.activity, `the ${check.id} script for ${group.target}`, () =>
          runScript(options.remote, check.script, params, group),
        );
        return findingsForGroup(check, group, group.servers, results);
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        return [groupError(check, group, error)];
      }
    }),
  );
  return perRun.flat();
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
    plannedRuns(job, config, options.targets).map(
      async ({ group, check, params }): Promise<{ findings: Finding[]; command?: SentCommand }> => {
        try {
          const sent = await options.remote.send(check.script, params, group);
          return sent.commandId ? { findings: [], command: sent } : { findings: findingsForGroup(check, group, group.servers, sent.early) };
        } catch (error) {
          if (error instanceof ConfigError) throw error;
          return { findings: [groupError(check, group, error)] };
        }
      },
    ),
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
      // A command saved by a version with a check this one does not know: nothing to judge it by.
      const check = checkOfScript(sent.script);
      if (!check) return { findings: [] };
      let results: HostResult[] | undefined;
      try {
        results = await options.remote.collect(sent, { deadline: options.deadline });
      } catch (error) {
        return { findings: [groupError(check, group, error)] };
      }
      if (!results) return { findings: [], command: sent };
      return { findings: servers ? findingsForGroup(check, group, servers, results) : [] };
    }),
  );
  const findings = [...run.findings, ...collected.flatMap((c) => c.findings)];
  const commands = collected.flatMap((c) => (c.command ? [c.command] : []));
  return { ...run, findings, commands };
}
