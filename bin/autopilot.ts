import { Console } from 'node:console';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Report } from '../functions/core/domain/report.js';
import { ConfigError, IncompleteRunError, ServiceFaultError, storeFaultOf } from '../functions/core/errors.js';
import { selectedTargets } from '../functions/core/run/invoke-event.js';
import { printable } from '../functions/core/text/printable.js';
import { redact } from '../functions/core/text/redact.js';
import { parseCliArgs, USAGE, type CliArgs } from './cli/args.js';
import { EXIT, findingsAtOrAbove } from './cli/exit-status.js';
import { formatReport, mergeReports } from './cli/output.js';
import type { Config } from '../functions/kinds/config.js';

const DEFAULT_CONFIG = 'ops.config.ts';
const EMBEDDED_EXAMPLE = new URL('../examples/runbooks.config.ts', import.meta.url).pathname;

function configPath(args: CliArgs): string {
  if (args.config) return args.config;
  if (existsSync(resolve(DEFAULT_CONFIG))) return DEFAULT_CONFIG;
  if (args.command === 'run' && args.local) {
    process.stderr.write(
      `autopilot: no ${DEFAULT_CONFIG} here; using the embedded example of the five runbook systems (${EMBEDDED_EXAMPLE})\n`,
    );
    return EMBEDDED_EXAMPLE;
  }
  throw new ConfigError(`--config: no ${DEFAULT_CONFIG} in ${process.cwd()}; pass --config <file>`);
}

async function run(args: CliArgs, config: Config): Promise<Report[]> {
  if (!args.local) {
    throw new ConfigError('--local: `run` executes here only with --local; to run the deployed function use `autopilot invoke <job>`');
  }
  // Each command imports what it needs when it runs: `help` and a health run load no backup, SSM or AWS SDK module.
  const [{ localContext }, { LOCAL_JOBS }] = await Promise.all([import('./cli/local-context.js'), import('./cli/jobs.js')]);
  const context = await localContext(config, args.store);
  const jobs = args.job === 'all' ? Object.keys(LOCAL_JOBS) : [args.job!];
  const reports: Report[] = [];
  const print = () => {
    if (args.json && reports.length) {
      process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : mergeReports(reports), null, 2)}\n`);
    }
  };
  for (const job of jobs) {
    const runner = LOCAL_JOBS[job as keyof typeof LOCAL_JOBS];
    if (!runner) throw new ConfigError(`run: the ${job} job is not available in this version`);
    let report: Report;
    try {
      report = await runner(config, { targets: args.targets, context });
    } catch (error) {
      // The findings stand even when the store failed under them: print them, then say why the run stopped.
      if (error instanceof IncompleteRunError) {
        reports.push(error.report);
        if (!args.json) process.stdout.write(`${formatReport(error.report)}\n`);
      }
      print();
      throw error;
    }
    reports.push(report);
    if (!args.json) process.stdout.write(`${formatReport(report)}\n`);
  }
  print();
  return reports;
}

async function invoke(args: CliArgs): Promise<Report[]> {
  const { invokeDeployed } = await import('./cli/invoke.js');
  const report = await invokeDeployed({ job: args.job!, targets: args.targets, stackName: args.stack });
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  return [report];
}

/** `--fail-on`: exit 3, with one line naming the worst finding, when a finding is at or above the threshold. */
function failOnStatus(args: CliArgs, reports: readonly Report[]): number {
  if (!args.failOn) return EXIT.ok;
  const over = findingsAtOrAbove(
    reports.flatMap((r) => r.findings),
    args.failOn,
  );
  if (over.length === 0) return EXIT.ok;
  const worst = over[0]!;
  process.stderr.write(
    `autopilot: --fail-on ${args.failOn}: ${over.length} finding(s) at or above ${args.failOn}, ` +
      `worst ${worst.severity} ${worst.target}/${worst.check}\n`,
  );
  return EXIT.failOn;
}

/** The config loader, once a command has loaded it: the last resort below asks it whose an error is. */
let configLoader: typeof import('../functions/kinds/config.js') | undefined;

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseCliArgs(argv);
    if (args.command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    configLoader = await import('../functions/kinds/config.js');
    const config = await configLoader.loadConfigFile(configPath(args));
    selectedTargets(config, args.targets, '--target');
    if (args.command === 'run') return failOnStatus(args, await run(args, config));
    if (args.command === 'invoke') return failOnStatus(args, await invoke(args));
    if (args.command === 'restore') {
      const { restore } = await import('./cli/restore.js');
      await restore(args);
      return EXIT.ok;
    }
    throw new ConfigError(`${args.command}: not available in this version`);
  } catch (error) {
    if (error instanceof ConfigError) {
      // Its lines may quote what a config or its code threw: escape control characters, keep each line one line.
      process.stderr.write(
        `autopilot: ${error.message
          .split('\n')
          .map((line) => printable(line, 2_000))
          .join('\n')}\n`,
      );
      // The abandoned config may hold a timer or socket open that would keep this process alive for ever.
      if (error.name === 'ConfigLoadTimeout') setTimeout(() => process.exit(EXIT.usage), 100).unref();
      return EXIT.usage;
    }
    const fault = storeFaultOf(error) ?? (error instanceof ServiceFaultError ? error : undefined);
    if (fault) {
      process.stderr.write(`autopilot: ${redact(fault.message)}\n`);
      return EXIT.fault;
    }
    process.stderr.write(`${internalErrorText(error)}\n`);
    return EXIT.internal;
  }
}

/**
 * A bug's one line: the message, and where it was thrown only with AUTOPILOT_DEBUG=1. A stack trace in a cron mail or
 * CI log reads as a crash of the checked system and can carry paths and values no one asked for.
 */
function internalErrorText(error: unknown): string {
  const debug = process.env.AUTOPILOT_DEBUG === '1' && error instanceof Error && error.stack;
  const text = debug ? error.stack! : oneLine(error instanceof Error ? `${error.name}: ${error.message}` : safeString(error));
  return `autopilot: internal error: ${redact(text)}${debug ? '' : ' (AUTOPILOT_DEBUG=1 shows where)'}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'a value that cannot be shown';
  }
}

/**
 * Last resort for an error nothing awaited: a promise a config left rejecting, a throw from a config's timer, a
 * stray callback. One line, never Node's trace: a config's own (its stack passes through the config file) is a config
 * error (exit 2), anything else a bug (exit 1).
 */
function onStrayError(error: unknown): void {
  if (configLoader?.configLoadInProgress()) return;
  if (configLoader?.thrownByConfig(error)) {
    process.stderr.write(`autopilot: config: ${redact(oneLine((error as Error).message))} (thrown by the config's own code)\n`);
    process.exit(EXIT.usage);
  }
  process.stderr.write(`${internalErrorText(error)}\n`);
  process.exit(EXIT.internal);
}
// stdout carries the report alone (`--json` readers parse it whole): what a config or a library logs goes to stderr.
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
// Ctrl-C, or a SIGTERM from cron, systemd or a CI timeout: one line and an exit, which also removes the store's
// half-written files and held locks (functions/core/adapters/local/in-flight-files.ts); Node's default would leave them.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    process.stderr.write(`autopilot: stopped by ${signal}\n`);
    process.exit(code);
  });
}
process.on('uncaughtException', onStrayError);
process.on('unhandledRejection', onStrayError);

process.exitCode = await main(process.argv.slice(2));
