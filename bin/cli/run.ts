import type { Report } from '../../functions/core/domain/report.js';
import type { AlertSeverity } from '../../functions/core/domain/severity.js';
import { ConfigError, IncompleteRunError } from '../../functions/core/errors.js';
import type { Job } from '../../functions/core/jobs.js';
import { configPath, loadCliConfig } from './config-file.js';
import { EXIT, findingsAtOrAbove } from './exit-status.js';
import { formatReport, mergeReports } from './output.js';
import { progressFor } from './progress.js';

/** What `run` reads of its flags (bin/cli/commands.ts declares them). */
export interface RunFlags {
  readonly config?: string;
  readonly target: readonly string[];
  readonly json: boolean;
  readonly store: string;
  readonly 'fail-on'?: AlertSeverity;
}

/** What `invoke` reads of its flags. */
export interface InvokeFlags {
  readonly config?: string;
  readonly target: readonly string[];
  readonly json: boolean;
  readonly stack: string;
  readonly 'fail-on'?: AlertSeverity;
}

/** `autopilot run <job> --local`: the job's local runner, each report printed as it finishes (or one JSON document). */
export async function runLocally(job: Job | 'all', flags: RunFlags): Promise<number> {
  const config = await loadCliConfig(configPath(flags.config, { orExample: true })!, flags.target);
  // Each job imports what it needs when it runs: a health run loads no backup, SSM or AWS SDK module.
  const [{ localContext }, { LOCAL_JOBS }] = await Promise.all([import('./local-context.js'), import('./jobs.js')]);
  const context = await localContext(config, flags.store);
  const jobs = job === 'all' ? (Object.keys(LOCAL_JOBS) as Job[]) : [job];
  const reports: Report[] = [];
  const print = () => {
    if (flags.json && reports.length) {
      process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : mergeReports(reports), null, 2)}\n`);
    }
  };
  for (const name of jobs) {
    const runner = LOCAL_JOBS[name];
    if (!runner) throw new ConfigError(`run: the ${name} job is not available in this version`);
    // On a terminal, a job still running after 2 s says on stderr what it waits on; never with --json or into a pipe.
    const progress = progressFor(name, { json: flags.json });
    let report: Report;
    try {
      report = await runner(config, { targets: flags.target, context: { ...context, activity: progress.activity } });
    } catch (error) {
      progress.stop();
      // The findings stand even when the store failed under them: print them, then say why the run stopped.
      if (error instanceof IncompleteRunError) {
        reports.push(error.report);
        if (!flags.json) process.stdout.write(`${formatReport(error.report)}\n`);
      }
      print();
      throw error;
    }
    progress.stop();
    reports.push(report);
    if (!flags.json) process.stdout.write(`${formatReport(report)}\n`);
  }
  print();
  return failOnStatus(flags['fail-on'], reports);
}

/** `autopilot invoke <job>`: the deployed function's report. */
export async function invokeDeployed(job: Job, flags: InvokeFlags): Promise<number> {
  await loadCliConfig(configPath(flags.config)!, flags.target);
  const { invokeDeployed } = await import('./invoke.js');
  const report = await invokeDeployed({ job, targets: flags.target, stackName: flags.stack });
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  return failOnStatus(flags['fail-on'], [report]);
}

/** `--fail-on`: exit 3, with one line naming the worst finding, when a finding is at or above the threshold. */
function failOnStatus(failOn: AlertSeverity | undefined, reports: readonly Report[]): number {
  if (!failOn) return EXIT.ok;
  const over = findingsAtOrAbove(
    reports.flatMap((r) => r.findings),
    failOn,
  );
  if (over.length === 0) return EXIT.ok;
  const worst = over[0]!;
  process.stderr.write(
    `autopilot: --fail-on ${failOn}: ${over.length} finding(s) at or above ${failOn}, ` +
      `worst ${worst.severity} ${worst.target}/${worst.check}\n`,
  );
  return EXIT.failOn;
}
