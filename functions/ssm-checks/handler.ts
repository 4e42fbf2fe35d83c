import { dashboardValuesOf } from '../kinds/catalog.js';
import { randomBytes } from 'node:crypto';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { issuesOf } from '../core/config/validate.js';
import type { Report } from '../core/domain/report.js';
import { ConfigError } from '../core/errors.js';
import { awsContext } from '../core/run/aws-context.js';
import { readServerCheckEnvironment, type ServerCheckEnvironment } from '../core/run/environment.js';
import { parseInvokeEvent } from '../core/run/invoke-event.js';
import { runJob, type JobContext } from '../core/run/run-job.js';
import { LambdaContinuation, type CollectEvent, type Continuation } from './continuation.js';
import type { RemoteExecution } from '../remote/port.js';
import { createSsmClient, type DocumentRef, SsmRunCommand } from '../remote/ssm-run-command.js';
import { SERVER_CHECK_IDS, SERVER_CHECKS, SERVER_JOBS, type ServerCheckId, type ServerJob } from './checks.js';
import { claimPending, PENDING_KEY_PATTERN, savePending, staleRuns } from './pending-store.js';
import { resumeServerChecks, runServerChecks, startServerChecks, type PendingServerRun } from './run-server-checks.js';
import type { Config } from '../kinds/config.js';
import { validateConfig } from '../kinds/config.js';

/** The stack's document of each check (AUTOPILOT_SSM_DOCUMENTS); a check no target uses has none. */
export type CheckDocuments = Readonly<Partial<Record<ServerCheckId, DocumentRef>>>;

/** The JSON report (docs/cli.md), plus where a run that is still collecting was saved. */
export type ServerCheckReport = Report & {
  readonly pending?: { readonly key: string; readonly commands: number; readonly continuation: 'scheduled' | 'failed' };
};

/** `autopilot run disk|security`: the same scripts and parsing, the remote-execution adapter decides where they run. */
export async function runServerJob(
  job: ServerJob,
  config: Config,
  options: { readonly targets?: readonly string[]; readonly remote: RemoteExecution },
  context: JobContext,
): Promise<Report> {
  return runJob(job, context, () => runServerChecks(job, config, { ...options, activity: context.activity }));
}

const collectEventSchema = z.strictObject({
  source: z.literal('ssm-collect'),
  job: z.enum(['disk', 'security']),
  pending: z.string().regex(PENDING_KEY_PATTERN, 'not a pending run key'),
});

export type ServerCheckRequest =
  | { readonly kind: 'run'; readonly job: ServerJob; readonly targets?: readonly string[] }
  | { readonly kind: 'collect'; readonly job: ServerJob; readonly pending: string };

/**
 * The scheduler's `{"source":"schedule","job":"disk"}`, a console test event such as
 * `{"job":"security","targets":["mycats"]}`, or this function's own continuation. Bad input
 * throws a ConfigError naming the field.
 */
export function parseServerCheckEvent(event: unknown, config: Config, fixedJob?: ServerJob): ServerCheckRequest {
  if (event && typeof event === 'object' && (event as { source?: unknown }).source === 'ssm-collect') {
    const parsed = collectEventSchema.safeParse(event);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error, 'event');
      throw new ConfigError(`invalid event:\n  ${issues.join('\n  ')}`, issues);
    }
    return { kind: 'collect', job: parsed.data.job, pending: parsed.data.pending };
  }
  const request = parseInvokeEvent(event, config);
  const job = request.job ?? fixedJob;
  const issue =
    !job || !SERVER_JOBS.includes(job as ServerJob)
      ? `event.job: give "disk" or "security" (this function runs the server checks)${job ? `, not "${job}"` : ''}`
      : fixedJob && job !== fixedJob
        ? `event.job: this function runs the "${fixedJob}" check, not "${job}"`
        : undefined;
  if (issue) throw new ConfigError(`invalid event:\n  ${issue}`, [issue]);
  const issues = (request.targets ?? []).flatMap((name, i) =>
    config.targets[name]?.servers ? [] : [`event.targets[${i}]: target "${name}" has no servers (add servers.tags to check it)`],
  );
  if (issues.length) throw new ConfigError(`invalid event:\n  ${issues.join('\n  ')}`, issues);
  return { kind: 'run', job: job as ServerJob, targets: request.targets };
}

export interface ServerCheckDeps {
  readonly context: JobContext;
  /** The job a per-job function runs (AUTOPILOT_SERVER_JOB); events may then leave `job` out. */
  readonly job?: ServerJob;
  readonly remote: SsmRunCommand;
  readonly continuation: Continuation;
  readonly log?: (message: string, data?: Record<string, unknown>) => void;
  /** Time kept back from the invocation's remaining time for alerting and saving. @default 60 s */
  readonly reserveMs?: number;
  /** A pending run untouched this long lost its continuation; the next scheduled run collects it. @default 15 min */
  readonly staleAfterMs?: number;
}

/** What Lambda's context offers here; absent in tests and local calls (then there is no deadline). */
export interface InvocationClock {
  getRemainingTimeInMillis(): number;
}

function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:.]/g, '').replace('T', '-').replace('Z', '')}-${randomBytes(4).toString('hex')}`;
}

/**
 * Sends, collects until the deadline, and either alerts (the run is complete) or saves the run
 * under `state/ssm-pending/` and invokes itself to go on collecting. Every run is alerted exactly
 * once, when it is complete, with all its findings.
 */
export async function handleServerCheckEvent(
  event: unknown,
  clock: InvocationClock | undefined,
  config: Config,
  deps: ServerCheckDeps,
): Promise<ServerCheckReport> {
  const now = deps.context.now ?? (() => new Date());
  const started = now();
  const deadline = clock ? started.getTime() + clock.getRemainingTimeInMillis() - (deps.reserveMs ?? 60_000) : undefined;
  const request = parseServerCheckEvent(event, config, deps.job);
  const store = deps.context.store;

  if (request.kind === 'collect') {
    const run = await claimPending(store, request.pending);
    if (!run) {
      deps.log?.('pending run already collected', { key: request.pending });
      return { job: request.job, startedAt: started.toISOString(), finishedAt: now().toISOString(), findings: [], notifications: [] };
    }
    return finish(await resumeServerChecks(run, config, { remote: deps.remote, deadline }), request.pending);
  }

  // Runs whose continuation was lost (the async invoke failed for good) are collected first, older findings first.
  const stale = await staleRuns(store, request.job, new Date(started.getTime() - (deps.staleAfterMs ?? 15 * 60_000)));
  for (const key of stale.slice(0, 3)) {
    const run = await claimPending(store, key);
    if (run) await finish(await resumeServerChecks(run, config, { remote: deps.remote, deadline }), key);
  }

  const run = await startServerChecks(request.job, config, {
    targets: request.targets,
    remote: deps.remote,
    runId: newRunId(started),
    now: started,
  });
  return finish(await resumeServerChecks(run, config, { remote: deps.remote, deadline }));

  async function finish(run: PendingServerRun, savedUnder?: string): Promise<ServerCheckReport> {
    if (run.commands.length === 0) {
      const report = await runJob(run.job, deps.context, async () => [...run.findings]);
      if (savedUnder) await store.delete(savedUnder);
      deps.log?.('server checks finished', {
        job: run.job,
        findings: report.findings.length,
        notifications: report.notifications.length,
        ssmCalls: deps.remote.calls,
      });
      return { ...report, startedAt: run.startedAt };
    }
    const { key } = await savePending(store, run);
    let continuation: 'scheduled' | 'failed' = 'scheduled';
    try {
      await deps.continuation.schedule({ source: 'ssm-collect', job: run.job, pending: key } satisfies CollectEvent);
    } catch (error) {
      // The next scheduled run picks the saved run up (see staleRuns): late, but not lost.
      continuation = 'failed';
      deps.log?.('could not schedule the continuation', { key, error: (error as Error).message });
    }
    deps.log?.('server checks still running, saved', { job: run.job, key, commands: run.commands.length, continuation });
    return {
      job: run.job,
      startedAt: run.startedAt,
      finishedAt: now().toISOString(),
      findings: run.findings,
      notifications: [],
      pending: { key, commands: run.commands.length, continuation },
    };
  }
}

/** The documents and output location the stack passes in the environment (see functions/core/run/environment.ts). */
export function ssmSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerCheckEnvironment & { documents: CheckDocuments } {
  return readServerCheckEnvironment(env);
}

/** The Lambda handler for a config embedded at synth; validated again here, at run time. */
export function createHandler(rawConfig: unknown) {
  const config = validateConfig(rawConfig, { forDeployment: true });
  let shared:
    | { aws: ReturnType<typeof awsContext>; settings: ReturnType<typeof ssmSettingsFromEnv>; client: SSMClient; continuation: Continuation }
    | undefined;
  return async (event: unknown, lambdaContext?: InvocationClock): Promise<ServerCheckReport> => {
    if (!shared) {
      const job = (event as { job?: unknown } | null)?.job;
      const settings = ssmSettingsFromEnv();
      shared = {
        aws: awsContext(config, settings.job ?? (job === 'security' ? 'security' : 'disk'), dashboardValuesOf),
        settings,
        client: createSsmClient(),
        continuation: new LambdaContinuation(settings.functionName),
      };
    }
    const { aws, settings, client, continuation } = shared;
    const log = (message: string, data?: Record<string, unknown>) => aws.logger.info(message, data ?? {});
    // A fresh adapter per invocation, so its API call counts describe this run.
    const remote = new SsmRunCommand({
      client,
      documents: SERVER_CHECK_IDS.flatMap((id) => {
        const document = settings.documents[id];
        return document ? [{ script: SERVER_CHECKS[id].script, ...document }] : [];
      }),
      outputBucket: settings.outputBucket,
      outputPrefix: settings.outputPrefix,
      log,
    });
    return handleServerCheckEvent(event, lambdaContext, config, { context: aws.context, job: settings.job, remote, continuation, log });
  };
}
