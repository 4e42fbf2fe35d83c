import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { durationMs } from '../core/config/duration.js';
import type { ServersConfig } from '../core/config/schema.js';
import type { ScriptParameter, ShellScript } from '../remote/port.js';
import { type HostFindings, readJsonLine } from './host-report.js';

/** The jobs that run scripts on the servers. */
export type ServerJob = 'disk' | 'security';

/**
 * The server checks, one script (one SSM document) each. A job runs one or more: the hourly disk job
 * runs `disk` and, on targets that configure `resources` or `processes`, `resources`.
 */
export type ServerCheckId = 'disk' | 'security' | 'resources';

/** What every script's JSON line carries besides its own fields. */
export interface ScriptReport {
  readonly host: string;
  /** Parameters the script refused (a value SSM's allowedPattern should have stopped). */
  readonly invalid?: ReadonlyArray<{ readonly param: string; readonly value: string }>;
}

/** A script's JSON line, read: the host's report, or why it does not fit the schema. */
export type ReadReport =
  | { readonly ok: true; readonly report: ScriptReport; addFindings(servers: ServersConfig, f: HostFindings): void }
  | { readonly ok: false; readonly issues: string };

/**
 * One server check, a folder of its own (`disk/`, `security/`, `resources/`): its script, the parameters a
 * target's `servers` config gives it, and how its JSON line becomes findings.
 */
export interface ServerCheck {
  readonly id: ServerCheckId;
  /** The job that runs it (on that job's schedule, in that job's function). */
  readonly job: ServerJob;
  readonly script: ShellScript;
  /** Whether a target's servers are checked by it at all (disk and security: always). */
  appliesTo(servers: ServersConfig): boolean;
  /** The script's parameters for one target, every value derived from its `servers` config and its name. */
  parameters(servers: ServersConfig, target: string): Record<string, string>;
  /** The config field behind each parameter (below `targets.<t>.`), for errors. */
  readonly configFields: Readonly<Record<string, string>>;
  read(value: unknown): ReadReport;
}

/** Binds a check's output schema to its findings, so `read` hands on exactly what the schema parsed. */
export function serverCheck<Report extends ScriptReport>(check: {
  readonly id: ServerCheckId;
  readonly job: ServerJob;
  readonly script: ShellScript;
  appliesTo?(servers: ServersConfig): boolean;
  parameters(servers: ServersConfig, target: string): Record<string, string>;
  readonly configFields: Readonly<Record<string, string>>;
  readonly output: z.ZodType<Report>;
  addFindings(out: Report, servers: ServersConfig, f: HostFindings): void;
}): ServerCheck {
  const { output, addFindings, appliesTo, ...rest } = check;
  return {
    ...rest,
    appliesTo: appliesTo ?? (() => true),
    read(value) {
      const parsed = output.safeParse(value);
      if (!parsed.success)
        return {
          ok: false,
          issues: parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; '),
        };
      return { ok: true, report: parsed.data, addFindings: (servers, f) => addFindings(parsed.data, servers, f) };
    },
  };
}

/** Always "1": a script that does not see SSM_contract knows the agent did not pass parameters as environment variables. */
export const CONTRACT_PARAMETER: ScriptParameter = {
  name: 'contract',
  description: 'Parameter contract version of the ops-autopilot scripts; always 1.',
  allowedPattern: '^1$',
  default: '1',
};

const PATH = '/[A-Za-z0-9._/-]{0,255}';
/** Up to 32 absolute paths, ":"-separated. */
export const PATH_LIST_PATTERN = `^(${PATH}(:${PATH}){0,31})?$`;
export const SECONDS_PATTERN = '[1-9][0-9]{0,7}';
export const PATH_PATTERN = PATH;

/** A config duration in whole seconds, at least 1. */
export function seconds(duration: string): string {
  return String(Math.max(1, Math.ceil(durationMs(duration) / 1000)));
}

/** The helpers every check script shares (lib/common.sh), put in front of each when it is read. */
export const COMMON_SH = fileURLToPath(new URL('./lib/common.sh', import.meta.url));

/**
 * The names of a check's own host and group findings: the job's first check keeps `run` and `instances`
 * (their alert states predate the others), another check adds its id (`run:resources`).
 */
export function runFindingName(check: Pick<ServerCheck, 'id' | 'job'>, name: 'run' | 'instances'): string {
  return check.id === check.job ? name : `${name}:${check.id}`;
}

/** A check script: the file beside its module after lib/common.sh, complete once its JSON line arrived whole. */
export function checkScript(
  id: ServerCheckId,
  file: URL,
  spec: Pick<ShellScript, 'description' | 'parameters' | 'executionTimeoutSeconds'>,
): ShellScript {
  return {
    id,
    title: `${id} check`,
    file: fileURLToPath(file),
    prelude: [COMMON_SH],
    stepName: `${id}Check`,
    outputComplete: (stdout) => readJsonLine(stdout).ok,
    ...spec,
  };
}
