import { durationMs } from '../../functions/core/config/duration.js';
import { checkNameOf } from '../../functions/core/config/schema.js';
import { ALERTING_JOBS, JOBS } from '../../functions/core/jobs.js';
import { configuredChecks, PROBED_KINDS } from '../../functions/kinds/catalog.js';
import type { Canary, CostInputs, FunctionUsage, Route53Check, TopicUsage } from './estimate.js';
import type { HealthMeasurement } from './measure.js';
import type { RunSample } from './measure-worker.js';
import { FREE_TIER, PRICES, type FreeTier, type Prices } from './prices.js';
import type { StackSettings } from './stack-settings.js';
import { SCREEN_QUERIES } from '../../lib/monitoring/screen-queries.js';
import type { Config } from '../../functions/kinds/config.js';

const DASHBOARD_QUERY_COUNT = Object.keys(SCREEN_QUERIES).length;

/** Lambda gives a function one full vCPU at 1,769 MB and a proportional share below that. */
export const FULL_VCPU_MB = 1769;
const MINUTE_MS = 60_000;
/** Cold starts a day that make every run of a job one (no job runs more than once a minute). */
const EVERY_RUN = 24 * 60;
/** The S3 store's multipart part size (functions/core/adapters/s3/s3-object-store.ts). */
const BACKUP_PART_MB = 8;

/** The figures no run here can measure. Each is printed with the output. */
export interface Assumptions {
  readonly backupSizeGb: number;
  readonly backupSeconds: number;
  readonly backupMemoryMb: number;
  readonly diskSeconds: number;
  readonly securitySeconds: number;
  readonly digestSeconds: number;
  /** Memory of jobs the stack does not define yet (the AutopilotFunction default). */
  readonly otherJobMemoryMb: number;
  /** New execution environments a day for the health function, per schedule. */
  readonly healthColdStartsPerDay: number;
  /** INIT of the backup container image function. */
  readonly backupInitMs: number;
  /** Log bytes of one run: platform START/END/REPORT lines plus the summary line. */
  readonly logBytesPerRun: number;
  /** Finding log line bytes per finding of the jobs not measured here (the health job's are measured). */
  readonly logBytesPerFinding: number;
  /** Incidents a month per severity; each is two publishes (the alert and its RESOLVED notice). */
  readonly incidentsPerMonth: Readonly<Record<'critical' | 'high' | 'medium' | 'low', number>>;
  /** Alarm notifications a month from the watchers' alarms (critical topic). */
  readonly watcherAlarmsPerMonth: number;
  readonly accessLogBytesPerRequest: number;
  readonly accessLogRetentionDays: number;
  /** Endpoints treated as outside AWS for Route 53 (the example's hosts are on Render and own servers). */
  readonly endpointsOutsideAws: boolean;
  readonly canaryDurationMs: number;
  readonly canaryMemoryMb: number;
  readonly canaryArtifactPutsPerRun: number;
  readonly canaryArtifactBytesPerRun: number;
  readonly canaryArtifactRetentionDays: number;
  readonly canaryLogBytesPerRun: number;
  /** Times a month someone looks at the screen (each look runs its Logs Insights queries, saved or on the dashboard). */
  readonly dashboardViewsPerMonth: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  backupSizeGb: 1,
  backupSeconds: 60,
  backupMemoryMb: 1024,
  diskSeconds: 10,
  securitySeconds: 20,
  digestSeconds: 3,
  otherJobMemoryMb: 256,
  healthColdStartsPerDay: 24,
  backupInitMs: 1000,
  logBytesPerRun: 750,
  logBytesPerFinding: 200,
  dashboardViewsPerMonth: 60,
  incidentsPerMonth: { critical: 2, high: 4, medium: 8, low: 4 },
  watcherAlarmsPerMonth: 2,
  accessLogBytesPerRequest: 500,
  accessLogRetentionDays: 90,
  endpointsOutsideAws: true,
  canaryDurationMs: 3000,
  canaryMemoryMb: 1000,
  canaryArtifactPutsPerRun: 3,
  canaryArtifactBytesPerRun: 30 * 1024,
  canaryArtifactRetentionDays: 30,
  canaryLogBytesPerRun: 2048,
};

/** Defaults for what the stack does not define yet, and what the stack says today. */
export const STACK_DEFAULTS = { healthMemoryMb: 512, logRetentionDays: 90, noncurrentVersionDays: 7, kmsKeys: 1 } as const;

export interface InputNotes {
  readonly measured: string[];
  readonly fromConfig: string[];
  readonly fromStack: string[];
  readonly assumed: string[];
}

/** A run's duration in Lambda: wall time, with the CPU part stretched to the function's share of a vCPU. */
export function lambdaDurationMs(sample: Pick<RunSample, 'wallMs' | 'cpuMs'>, memoryMb: number): number {
  return sample.wallMs + sample.cpuMs * Math.max(0, FULL_VCPU_MB / memoryMb - 1);
}

/** The configured memory, or the next 128 MB step that holds the measured peak with 25 % to spare. */
export function billedMemoryMb(configuredMb: number, peakRssBytes: number): number {
  const neededMb = (peakRssBytes * 1.25) / (1024 * 1024);
  return neededMb <= configuredMb ? configuredMb : Math.ceil(neededMb / 128) * 128;
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
const p95 = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.95))] ?? 0;
const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(0)} MB`;
const ms = (value: number): string => `${value.toFixed(0)} ms`;
const minutesOf = (every: string): number => durationMs(every) / MINUTE_MS;

interface Databases {
  readonly all: Array<{ target: string; name: string; retentionDays: number }>;
}

function databasesOf(config: Config): Databases {
  const all = Object.entries(config.targets).flatMap(([target, t]) => [
    ...(t.postgres ?? []).filter((p) => p.backup).map((p) => ({ target, name: checkNameOf(p), retentionDays: p.backup!.retentionDays })),
    ...(t.sqlite ?? []).filter((s) => s.backup).map((s) => ({ target, name: s.name, retentionDays: s.backup!.retentionDays })),
  ]);
  return { all };
}

/** Every probed check with its interval and how AWS's own services would watch it (its kind's `cost`). */
function healthChecksOf(config: Config) {
  return configuredChecks(config).map((c) => ({
    target: c.target,
    label: c.kind.label,
    name: c.name,
    every: c.kind.plan(c.check).every,
    cost: c.kind.cost(c.check),
  }));
}

/** "3 HTTP and 2 PostgreSQL checks": the count of each kind that has any. */
function describeCounts(checks: ReadonlyArray<{ label: string }>): string {
  const counts = PROBED_KINDS.map((kind) => [kind.label, checks.filter((c) => c.label === kind.label).length] as const).filter(
    ([, n]) => n > 0,
  );
  const parts = counts.map(([label, n]) => `${n} ${label}`);
  if (parts.length === 0) return 'no checks';
  return `${parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]} checks`;
}

/**
 * Alarms "watching the watchers" needs: errors per function, one missing-invocations alarm per
 * scheduled function, one on the dead-letter queue (throttled runs Lambda gives up on land there).
 */
export function plannedAlarms(functions: number): number {
  return 2 * functions + 1;
}

export interface WorkloadSources {
  readonly config: Config;
  readonly health: HealthMeasurement;
  /** Settings read from the synthesized stack; undefined when it could not be built. */
  readonly stack: StackSettings | undefined;
  readonly assumptions?: Assumptions;
  readonly prices?: Prices;
  readonly freeTier?: FreeTier;
}

/** Turns the config, the measurement and the stack into the estimate's inputs, with a note for each figure. */
export function buildCostInputs(sources: WorkloadSources): { inputs: CostInputs; notes: InputNotes } {
  const { config, health, stack } = sources;
  const a = sources.assumptions ?? DEFAULT_ASSUMPTIONS;
  const notes: InputNotes = { measured: [], fromConfig: [], fromStack: [], assumed: [] };
  const w = health.worker;

  const healthConfiguredMb = stack?.functions.health?.memoryMb ?? STACK_DEFAULTS.healthMemoryMb;
  const healthMb = billedMemoryMb(healthConfiguredMb, w.maxRssBytes);
  const job = (name: string): number | undefined => stack?.functions[name]?.memoryMb;
  const logRetentionDays = stack?.logRetentionDays ?? STACK_DEFAULTS.logRetentionDays;
  const noncurrentVersionDays = stack?.noncurrentVersionDays ?? STACK_DEFAULTS.noncurrentVersionDays;

  // ---- health: measured, one entry per schedule interval
  const checks = healthChecksOf(config);
  const functions: FunctionUsage[] = w.intervals.map((interval) => {
    const findingLogBytes = mean(interval.samples.map((s) => s.findingLogBytes));
    const durations = interval.samples.map((s) => lambdaDurationMs(s, healthMb));
    const s3 = {
      gets: mean(interval.samples.map((s) => s.s3.gets)),
      puts: mean(interval.samples.map((s) => s.s3.puts)),
      lists: mean(interval.samples.map((s) => s.s3.lists)),
    };
    const putBytes = mean(interval.samples.map((s) => s.s3.putBytes));
    notes.measured.push(
      `health every ${interval.every}: ${interval.checks} checks, ${interval.samples.length} runs: wall ` +
        `${ms(mean(interval.samples.map((s) => s.wallMs)))} mean ` +
        `(probes ${ms(mean(interval.samples.map((s) => s.probesMs)))}, p95 wall ${ms(p95(interval.samples.map((s) => s.wallMs)))}), CPU ` +
        `${ms(mean(interval.samples.map((s) => s.cpuMs)))}; ` +
        `billed as ${ms(mean(durations))} at ${healthMb} MB (CPU time x ${(FULL_VCPU_MB / healthMb).toFixed(2)} for ` +
        `${healthMb}/${FULL_VCPU_MB} of a vCPU); ` +
        `S3 per run: ${s3.gets} GET, ${s3.puts} PUT, ${s3.lists} LIST, ${(putBytes / 1024).toFixed(1)} KiB state written; finding log ` +
        `lines ${(findingLogBytes / 1024).toFixed(1)} KiB`,
    );
    if (interval.notOk.length) notes.measured.push(`WARNING: findings not ok during the measurement: ${interval.notOk.join('; ')}`);
    return {
      label: `health, every ${interval.every}`,
      group: 'probes',
      everyMinutes: minutesOf(interval.every),
      schedules: 1,
      durationMs: mean(durations),
      memoryMb: healthMb,
      coldStartsPerDay: a.healthColdStartsPerDay,
      initDurationMs: w.initMs,
      logBytesPerRun: a.logBytesPerRun + findingLogBytes,
      s3PerRun: s3,
      stateBytesPerRun: putBytes,
    };
  });
  notes.measured.push(
    `health bundle start-up (process start to handler ready, billed as INIT on each cold start): ${ms(w.initMs)}; ` +
      `memory: RSS ${mb(w.rssAfterInitBytes)} after start-up, peak ${mb(w.maxRssBytes)}; heap ${mb(w.heapUsedAfterInitBytes)} -> peak ` +
      `${mb(w.maxHeapUsedBytes)}; ` +
      `billed memory ${healthMb} MB (` +
      (healthMb === healthConfiguredMb
        ? 'the stack setting, which holds the peak'
        : `raised from ${healthConfiguredMb} MB to hold the peak`) +
      ')',
  );
  notes.measured.push(
    `measurement setup: loopback servers answering after ${health.options.serverLatencyMs} ms, ${health.options.roundTripMs} ms network ` +
      `round trip added by a proxy ` +
      `(plus one round trip for each TCP connect); PostgreSQL 15 with SCRAM ` +
      `${health.postgresTls ? 'and TLS where the config asks for it' : 'without TLS (could not enable it)'}; ` +
      `alert state in a loopback S3 server (s3rver); warm-up runs not counted: ${health.options.warmup}; all on this machine's CPU ` +
      `(${health.arch ?? process.arch})`,
  );

  // ---- the other jobs: assumed durations
  const dbs = databasesOf(config).all;
  const serverTargets = Object.values(config.targets).filter((t) => t.servers).length;
  const backupMb = job('backup') ?? a.backupMemoryMb;
  const partsPerBackup = Math.ceil((a.backupSizeGb * 1024) / BACKUP_PART_MB);
  functions.push(
    {
      label: 'backup, daily per database',
      group: 'suite',
      everyMinutes: 24 * 60,
      schedules: dbs.length,
      durationMs: a.backupSeconds * 1000,
      memoryMb: backupMb,
      coldStartsPerDay: EVERY_RUN,
      initDurationMs: a.backupInitMs,
      logBytesPerRun: a.logBytesPerRun + a.logBytesPerFinding,
      // create + parts + complete + manifest; verification reads the archive back; newest-backup listing; the alert
      // engine's listing of its delivery records
      s3PerRun: { gets: 2, puts: partsPerBackup + 3 + 1, lists: 2 },
      stateBytesPerRun: 0,
    },
    {
      label: `disk, every ${config.schedules.disk}`,
      group: 'suite',
      everyMinutes: minutesOf(config.schedules.disk),
      schedules: 1,
      durationMs: a.diskSeconds * 1000,
      memoryMb: job('disk') ?? a.otherJobMemoryMb,
      coldStartsPerDay: EVERY_RUN,
      initDurationMs: w.initMs,
      logBytesPerRun: a.logBytesPerRun + a.logBytesPerFinding * serverTargets,
      // alert state read and write, plus the command's S3 output per server target; the delivery records listed
      s3PerRun: { gets: 1, puts: 1 + serverTargets, lists: 1 },
      stateBytesPerRun: 2048,
    },
    {
      label: `security, every ${config.schedules.security}`,
      group: 'suite',
      everyMinutes: minutesOf(config.schedules.security),
      schedules: 1,
      durationMs: a.securitySeconds * 1000,
      memoryMb: job('security') ?? a.otherJobMemoryMb,
      coldStartsPerDay: EVERY_RUN,
      initDurationMs: w.initMs,
      logBytesPerRun: a.logBytesPerRun + a.logBytesPerFinding * serverTargets * 7,
      s3PerRun: { gets: 1, puts: 1 + serverTargets, lists: 1 },
      stateBytesPerRun: 4096,
    },
    {
      label: `digest, daily at ${config.schedules.digest}`,
      group: 'suite',
      everyMinutes: 24 * 60,
      schedules: 1,
      durationMs: a.digestSeconds * 1000,
      memoryMb: job('digest') ?? a.otherJobMemoryMb,
      coldStartsPerDay: EVERY_RUN,
      initDurationMs: w.initMs,
      logBytesPerRun: a.logBytesPerRun,
      // every alerting job's state, seven days of manifests per database, one listing per database, the day's claim
      // (read, written, marked sent) and its own snapshot
      s3PerRun: { gets: ALERTING_JOBS.length + 7 * dbs.length + 1, puts: 3, lists: dbs.length },
      stateBytesPerRun: 8192,
    },
  );

  // ---- alerts and digest
  const subscribers = config.subscribers;
  const email = (list: readonly string[] | undefined): number => (list ?? []).filter((s) => s.includes('@')).length;
  const phone = (list: readonly string[] | undefined): number => (list ?? []).filter((s) => s.startsWith('+')).length;
  const topics: TopicUsage[] = (['critical', 'high', 'medium', 'low'] as const).map((severity) => ({
    topic: severity,
    publishesPerMonth: 2 * a.incidentsPerMonth[severity] + (severity === 'critical' ? a.watcherAlarmsPerMonth : 0),
    emailSubscribers: email(subscribers[severity]),
    smsSubscribers: phone(subscribers[severity]),
  }));
  topics.push({
    topic: 'digest',
    publishesPerMonth: 30,
    emailSubscribers: email(subscribers.digest),
    smsSubscribers: phone(subscribers.digest),
  });
  const publishes = topics.reduce((s, t) => s + t.publishesPerMonth, 0);

  // ---- observability: the stack's when it has them, else what the watchers plan
  // One function per job of the registry; the backup job only with a database to back up.
  const functionCount = JOBS.filter((name) => name !== 'backup' || dbs.length > 0).length;
  const alarms = stack && stack.alarms > 0 ? stack.alarms : plannedAlarms(functionCount);
  // The dashboard is opt-in (`dashboard: true`); the saved queries that stand in for it cost nothing.
  const dashboards = stack ? stack.dashboards : config.dashboard ? 1 : 0;

  // ---- the comparisons
  const canaries: Canary[] = checks.map((c) => ({
    name: `${c.target}/${c.name}`,
    everyMinutes: minutesOf(c.every),
    latencyAlarm: c.cost.latency,
  }));
  // A check Route 53 cannot watch (its kind declares no health check type) is left out of that column, and counted.
  const watchable = checks.flatMap((c) => (c.cost.route53 === null ? [] : [{ ...c, route53: c.cost.route53 }]));
  const route53: Route53Check[] = watchable.map((c) => ({
    name: `${c.target}/${c.name}`,
    kind: c.route53,
    nonAws: a.endpointsOutsideAws,
    https: c.cost.https,
    stringMatch: c.cost.stringMatch,
    latency: c.cost.latency,
    fastInterval: durationMs(c.every) < 30_000,
  }));
  const unwatchable = checks.filter((c) => c.cost.route53 === null);

  // ---- notes
  const byEvery = new Map<string, number>();
  for (const c of checks) byEvery.set(c.every, (byEvery.get(c.every) ?? 0) + 1);
  notes.fromConfig.push(
    `${Object.keys(config.targets).length} targets; ${describeCounts(checks)} ` +
      `(${[...byEvery].map(([every, count]) => `${count} every ${every}`).join(', ')}), one health schedule per interval`,
    `${dbs.length} databases backed up daily (${dbs.map((d) => `${d.target}/${d.name}`).join(', ')}), kept ` +
      `${[...new Set(dbs.map((d) => d.retentionDays))].join('/')} days`,
    `${serverTargets} server targets; disk every ${config.schedules.disk}, security every ${config.schedules.security}, digest daily at ` +
      `${config.schedules.digest}`,
    `subscribers: ` +
      `${topics.map((t) => `${t.topic} ${t.emailSubscribers} e-mail${t.smsSubscribers ? ` + ${t.smsSubscribers} SMS` : ''}`).join(', ')}`,
    'no custom metrics: the screen (saved queries, and the dashboard if asked for) reads the one log line a run writes per finding ' +
      '(Logs Insights), the watchers alarm on Lambda and ' +
      'SQS metrics',
  );
  if (stack) {
    const fns = Object.entries(stack.functions).map(([name, f]) => `${name} ${f.memoryMb} MB / ${f.timeoutSeconds} s`);
    notes.fromStack.push(
      `functions: ${fns.join(', ') || 'none'}; ${stack.schedules} schedules, ${stack.alarms} alarms, ${stack.dashboards} dashboards, ` +
        `${stack.kmsKeys} KMS key(s)`,
      `log retention ${logRetentionDays} days; noncurrent object versions kept ${noncurrentVersionDays} days`,
    );
  } else {
    notes.fromStack.push(
      `stack not synthesized: health ${STACK_DEFAULTS.healthMemoryMb} MB, logs kept ${logRetentionDays} days, noncurrent versions ` +
        `${noncurrentVersionDays} days, ${STACK_DEFAULTS.kmsKeys} KMS key`,
    );
  }
  const missing = JOBS.filter((name) => name !== 'health' && !stack?.functions[name]);
  notes.assumed.push(
    `backup: ${a.backupSizeGb} GB compressed per database, ${a.backupSeconds} s per backup at ${backupMb} MB, ${a.backupInitMs} ms ` +
      `container INIT, ${partsPerBackup} parts of ${BACKUP_PART_MB} MB each; same figures for the two databases dumped on their host ` +
      `through SSM (the function waits for the command)`,
    `disk ${a.diskSeconds} s, security ${a.securitySeconds} s, digest ${a.digestSeconds} s per run` +
      (missing.length
        ? ` at ${a.otherJobMemoryMb} MB (${missing.join(', ')} not in the stack yet: AutopilotFunction's default memory)`
        : '') +
      '; every run of these is a cold start',
    `health cold starts: ${a.healthColdStartsPerDay} a day per schedule (Lambda recycles environments every few hours even when busy)`,
    `logs per run: ${a.logBytesPerRun} B (START/END/REPORT + summary line), plus one finding log line per finding (measured for health, ` +
      `${a.logBytesPerFinding} B per finding for the other jobs); stored uncompressed (an upper bound)`,
    `alerts: incidents a month critical ${a.incidentsPerMonth.critical}, high ${a.incidentsPerMonth.high}, medium ` +
      `${a.incidentsPerMonth.medium}, low ${a.incidentsPerMonth.low} (alert + RESOLVED each), ${a.watcherAlarmsPerMonth} watcher alarms, ` +
      `30 digests: ${publishes} publishes; KMS: one request per publish (an upper bound, SNS reuses data keys)`,
    stack && stack.alarms > 0
      ? `alarms: the stack's ${stack.alarms}`
      : `alarms (not in the stack yet): ${alarms} = errors and missing invocations for ${functionCount} functions, ` +
          '1 dead-letter queue',
    stack
      ? `dashboards: the stack's ${stack.dashboards}` +
          (stack.dashboards ? '' : ' (the config leaves `dashboard` off; the saved queries cost nothing)')
      : `dashboards (not in the stack yet): ${dashboards}`,
    `screen looks: ${a.dashboardViewsPerMonth} a month, each running its ${DASHBOARD_QUERY_COUNT} Logs Insights queries over a day of ` +
      `every job's logs`,
    `S3 server access log: ${a.accessLogBytesPerRequest} B per request, kept ${a.accessLogRetentionDays} days`,
    `Synthetics: one canary per check at the check's interval (PostgreSQL ones need a custom script with a database driver and, for ` +
      `private databases, a VPC), ` +
      `${a.canaryDurationMs} ms at ${a.canaryMemoryMb} MB on x86_64 per run, ${a.canaryArtifactPutsPerRun} artifact PUTs and ` +
      `${(a.canaryArtifactBytesPerRun / 1024).toFixed(0)} KiB per run kept ${a.canaryArtifactRetentionDays} days, ` +
      `${a.canaryLogBytesPerRun} B of logs; an alarm per canary plus one on Duration where the check has a response-time threshold`,
    `Route 53: endpoints ${a.endpointsOutsideAws ? 'outside AWS (Render and self-hosted servers)' : 'in AWS'}; HTTPS for https:// URLs, string matching for bodyContains/json (a substring search in the first 5,120 bytes, not a JSON field comparison), ` +
      `latency measurement where a response-time threshold is set, no fast interval (its standard 30 s interval is already more often ` +
      `than every 1m); ` +
      `PostgreSQL as TCP-connect checks only; an alarm on each check's status and one on its latency` +
      (unwatchable.length
        ? `; ${describeCounts(unwatchable)} left out: Route 53 health checks cannot watch them (the column is lower for it)`
        : ''),
  );

  return {
    notes,
    inputs: {
      prices: sources.prices ?? PRICES,
      freeTier: sources.freeTier ?? FREE_TIER,
      functions,
      topics,
      backups: { sizeGb: a.backupSizeGb, backupsPerDay: 1, retentionDays: dbs.map((d) => d.retentionDays) },
      bucket: {
        noncurrentVersionDays,
        accessLogBytesPerRequest: a.accessLogBytesPerRequest,
        accessLogRetentionDays: a.accessLogRetentionDays,
      },
      logRetentionMonths: logRetentionDays / 30,
      kms: { keys: stack?.kmsKeys ?? STACK_DEFAULTS.kmsKeys, requestsPerMonth: publishes },
      observability: {
        customMetrics: 0,
        alarms,
        dashboards,
        dashboardViewsPerMonth: a.dashboardViewsPerMonth,
        dashboardQueries: DASHBOARD_QUERY_COUNT,
      },
      synthetics: {
        canaries,
        durationMs: a.canaryDurationMs,
        memoryMb: a.canaryMemoryMb,
        artifactPutsPerRun: a.canaryArtifactPutsPerRun,
        artifactBytesPerRun: a.canaryArtifactBytesPerRun,
        artifactRetentionDays: a.canaryArtifactRetentionDays,
        logBytesPerRun: a.canaryLogBytesPerRun,
      },
      route53: { checks: route53 },
    },
  };
}
