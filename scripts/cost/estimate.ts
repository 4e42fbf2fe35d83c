import type { FreeTier, Prices } from './prices.js';

/** Month length the estimate uses: 30 days, so a run every minute is 43,200 runs. */
export const DAYS_PER_MONTH = 30;
const MINUTES_PER_DAY = 24 * 60;
/** Data sizes are binary: 1 GB of logs or storage is 2^30 bytes, as AWS bills them. */
const BYTES_PER_GB = 1024 ** 3;
/** Lambda memory in MB to GB for GB-seconds. */
const MB_PER_GB = 1024;

export type Group = 'probes' | 'suite';

/** One Lambda function on one kind of schedule (the health function has one entry per interval). */
export interface FunctionUsage {
  /** Row text, e.g. "health, every 1m". */
  readonly label: string;
  /** `probes`: the health job, which Synthetics and Route 53 could replace; `suite`: everything else. */
  readonly group: Group;
  /** Minutes between two runs of one schedule. */
  readonly everyMinutes: number;
  /** Schedules firing at that interval (the backup job has one per database). */
  readonly schedules: number;
  /** Mean duration of one run, before rounding up to the billed 1 ms. */
  readonly durationMs: number;
  readonly memoryMb: number;
  /** New execution environments a day, at most one per run. */
  readonly coldStartsPerDay: number;
  /** Billed INIT duration of a cold start. */
  readonly initDurationMs: number;
  /** CloudWatch Logs bytes one run writes (platform START/END/REPORT lines included). */
  readonly logBytesPerRun: number;
  /** S3 requests one run makes. */
  readonly s3PerRun: { readonly gets: number; readonly puts: number; readonly lists: number };
  /** Bytes one run overwrites under `state/`: each overwrite leaves a noncurrent version behind. */
  readonly stateBytesPerRun: number;
}

export interface TopicUsage {
  readonly topic: string;
  readonly publishesPerMonth: number;
  readonly emailSubscribers: number;
  readonly smsSubscribers: number;
}

export interface BackupStorage {
  /** Compressed size of one backup. */
  readonly sizeGb: number;
  readonly backupsPerDay: number;
  /** One entry per database: how many days its backups are kept. */
  readonly retentionDays: readonly number[];
}

export interface BucketUsage {
  /** How long an overwritten object version stays (the bucket's noncurrent-version expiry). */
  readonly noncurrentVersionDays: number;
  /** Server access logging: bytes of one log record, and how long the log bucket keeps them. */
  readonly accessLogBytesPerRequest: number;
  readonly accessLogRetentionDays: number;
}

export interface Observability {
  readonly customMetrics: number;
  readonly alarms: number;
  readonly dashboards: number;
  /** Looks at the dashboard a month, and the Logs Insights queries each look runs over a day of logs. */
  readonly dashboardViewsPerMonth?: number;
  readonly dashboardQueries?: number;
}

export interface Canary {
  readonly name: string;
  readonly everyMinutes: number;
  /** A second alarm on the canary's Duration metric for a response-time threshold. */
  readonly latencyAlarm: boolean;
}

export interface SyntheticsUsage {
  readonly canaries: readonly Canary[];
  readonly durationMs: number;
  readonly memoryMb: number;
  readonly artifactPutsPerRun: number;
  readonly artifactBytesPerRun: number;
  readonly artifactRetentionDays: number;
  readonly logBytesPerRun: number;
}

export interface Route53Check {
  readonly name: string;
  /** `tcp`: a TCP-connect check, the nearest Route 53 has to a PostgreSQL probe. */
  readonly kind: 'http' | 'tcp';
  /** Endpoint outside AWS: higher base price and optional-feature price, no free tier. */
  readonly nonAws: boolean;
  readonly https: boolean;
  readonly stringMatch: boolean;
  /** Latency measurement, needed to alarm on response time. */
  readonly latency: boolean;
  readonly fastInterval: boolean;
}

export interface CostInputs {
  readonly prices: Prices;
  readonly freeTier: FreeTier;
  readonly functions: readonly FunctionUsage[];
  readonly topics: readonly TopicUsage[];
  readonly backups: BackupStorage;
  readonly bucket: BucketUsage;
  readonly logRetentionMonths: number;
  readonly kms: { readonly keys: number; readonly requestsPerMonth: number };
  readonly observability: Observability;
  readonly synthetics: SyntheticsUsage;
  readonly route53: { readonly checks: readonly Route53Check[] };
}

/** A cell of the table: a monthly cost and what it is made of; `null` where the column has no such thing. */
export interface Cell {
  readonly usd: number;
  readonly detail: string;
}

export interface CostRow {
  readonly group: Group;
  readonly component: string;
  readonly ops: Cell | null;
  readonly synthetics: Cell | null;
  readonly route53: Cell | null;
}

export interface ColumnTotals {
  readonly ops: number;
  readonly synthetics: number;
  readonly route53: number;
}

export interface CostEstimate {
  readonly rows: readonly CostRow[];
  /** The health probes alone, each column its own way. */
  readonly probes: ColumnTotals;
  /** Backups, disk, security, digest, alert delivery, observability: the same whichever probes are used. */
  readonly restOfSuite: number;
  /** Probes plus the rest of the suite. */
  readonly total: ColumnTotals;
  /** The S3 storage of the kept backups: it grows with the data, not with the suite, so it is also shown apart. */
  readonly storedBackups: number;
  /** What the always-free allowances would take off `total`. */
  readonly freeTier: ColumnTotals;
  readonly totalAfterFreeTier: ColumnTotals;
  readonly usage: Usage;
}

export interface Usage {
  readonly healthRuns: number;
  readonly lambdaRequests: number;
  readonly lambdaGbSeconds: number;
  readonly schedulerInvocations: number;
  readonly canaryRuns: number;
  readonly canaryGbSeconds: number;
  readonly snsPublishes: number;
  readonly emails: number;
  readonly sms: number;
  readonly logsGb: number;
  readonly backupGbMonth: number;
}

export function runsPerMonth(f: Pick<FunctionUsage, 'everyMinutes' | 'schedules'>): number {
  return (f.schedules * DAYS_PER_MONTH * MINUTES_PER_DAY) / f.everyMinutes;
}

export function coldStartsPerMonth(f: Pick<FunctionUsage, 'everyMinutes' | 'schedules' | 'coldStartsPerDay'>): number {
  const runsPerDay = (f.schedules * MINUTES_PER_DAY) / f.everyMinutes;
  return Math.min(runsPerDay, f.coldStartsPerDay) * DAYS_PER_MONTH;
}

/** GB-seconds of a month: each run billed in whole milliseconds, plus the billed INIT of cold starts. */
export function gbSeconds(f: FunctionUsage): { invoke: number; init: number } {
  const gb = f.memoryMb / MB_PER_GB;
  return {
    invoke: (runsPerMonth(f) * Math.ceil(f.durationMs) * gb) / 1000,
    init: (coldStartsPerMonth(f) * Math.ceil(f.initDurationMs) * gb) / 1000,
  };
}

const n = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

interface FunctionTotals {
  readonly requests: number;
  readonly invokeGbS: number;
  readonly initGbS: number;
  readonly gets: number;
  readonly puts: number;
  readonly logBytes: number;
  readonly stateVersionBytes: number;
}

function sumFunctions(functions: readonly FunctionUsage[], noncurrentVersionDays: number): FunctionTotals {
  let requests = 0;
  let invokeGbS = 0;
  let initGbS = 0;
  let gets = 0;
  let puts = 0;
  let logBytes = 0;
  let stateVersionBytes = 0;
  for (const f of functions) {
    const runs = runsPerMonth(f);
    const s = gbSeconds(f);
    requests += runs;
    invokeGbS += s.invoke;
    initGbS += s.init;
    gets += runs * f.s3PerRun.gets;
    puts += runs * (f.s3PerRun.puts + f.s3PerRun.lists);
    logBytes += runs * f.logBytesPerRun;
    stateVersionBytes += (runs / DAYS_PER_MONTH) * noncurrentVersionDays * f.stateBytesPerRun;
  }
  return { requests, invokeGbS, initGbS, gets, puts, logBytes, stateVersionBytes };
}

/**
 * The monthly cost of the suite, and of doing its probes with CloudWatch Synthetics or Route 53
 * health checks instead, at list prices. Pure: every figure comes from `inputs`.
 */
export function estimateMonthlyCost(inputs: CostInputs): CostEstimate {
  const p = inputs.prices;
  const probeFns = inputs.functions.filter((f) => f.group === 'probes');
  const suiteFns = inputs.functions.filter((f) => f.group === 'suite');
  const probe = sumFunctions(probeFns, inputs.bucket.noncurrentVersionDays);
  const suite = sumFunctions(suiteFns, inputs.bucket.noncurrentVersionDays);
  const logRetention = inputs.logRetentionMonths;
  const logsCost = (bytes: number): number => (bytes / BYTES_PER_GB) * (p.logsIngestionPerGb + logRetention * p.logsStoragePerGbMonth);
  const accessLogGbMonth = (requests: number): number =>
    (requests * inputs.bucket.accessLogBytesPerRequest * (inputs.bucket.accessLogRetentionDays / DAYS_PER_MONTH)) / BYTES_PER_GB;

  // ---- probes: ops-autopilot
  const opsProbeRequests = (probe.requests / 1e6) * p.lambdaPerMillionRequests;
  const opsProbeInvoke = probe.invokeGbS * p.lambdaArmGbSecond;
  const opsProbeInit = probe.initGbS * p.lambdaArmGbSecond;
  const opsProbeScheduler = (probe.requests / 1e6) * p.schedulerPerMillionInvocations;
  const opsProbeStateGb = probe.stateVersionBytes / BYTES_PER_GB;
  const opsProbeS3 =
    (probe.gets / 1000) * p.s3GetPer1k +
    (probe.puts / 1000) * p.s3PutPer1k +
    (opsProbeStateGb + accessLogGbMonth(probe.gets + probe.puts)) * p.s3StandardGbMonth;
  const opsProbeLogs = logsCost(probe.logBytes);

  // ---- probes: Synthetics, one canary per check at the same interval
  const syn = inputs.synthetics;
  const canaryRuns = syn.canaries.reduce((sum, c) => sum + (DAYS_PER_MONTH * MINUTES_PER_DAY) / c.everyMinutes, 0);
  const canaryGbS = (canaryRuns * Math.ceil(syn.durationMs) * (syn.memoryMb / MB_PER_GB)) / 1000;
  const synRuns = canaryRuns * p.syntheticsPerCanaryRun;
  const synLambda = canaryGbS * p.lambdaX86GbSecond + (canaryRuns / 1e6) * p.lambdaPerMillionRequests;
  const synArtifactGbMonth = (canaryRuns * syn.artifactBytesPerRun * (syn.artifactRetentionDays / DAYS_PER_MONTH)) / BYTES_PER_GB;
  const synS3 = ((canaryRuns * syn.artifactPutsPerRun) / 1000) * p.s3PutPer1k + synArtifactGbMonth * p.s3StandardGbMonth;
  const synLogs = logsCost(canaryRuns * syn.logBytesPerRun);
  const synAlarmCount = syn.canaries.reduce((sum, c) => sum + 1 + (c.latencyAlarm ? 1 : 0), 0);
  const synAlarms = synAlarmCount * p.cloudwatchAlarmMonth;

  // ---- probes: Route 53 health checks
  const r53 = inputs.route53.checks;
  const r53Base = r53.reduce((sum, c) => sum + (c.nonAws ? p.route53NonAwsEndpointCheck : p.route53AwsEndpointCheck), 0);
  const featureCount = (c: Route53Check): number => [c.https, c.stringMatch, c.latency, c.fastInterval].filter(Boolean).length;
  const r53Features = r53.reduce(
    (sum, c) => sum + featureCount(c) * (c.nonAws ? p.route53NonAwsOptionalFeature : p.route53AwsOptionalFeature),
    0,
  );
  const r53AlarmCount = r53.reduce((sum, c) => sum + 1 + (c.latency ? 1 : 0), 0);
  const r53Alarms = r53AlarmCount * p.cloudwatchAlarmMonth;
  const count = (pred: (c: Route53Check) => boolean): number => r53.filter(pred).length;

  const probeRows: CostRow[] = [
    {
      group: 'probes',
      component: 'Probe runs',
      ops: { usd: opsProbeRequests, detail: `${n(probe.requests)} Lambda requests` },
      synthetics: { usd: synRuns, detail: `${n(canaryRuns)} canary runs (${syn.canaries.length} canaries)` },
      route53: {
        usd: r53Base,
        detail: `${r53.length} health checks (${count((c) => c.kind === 'tcp')} TCP-only, ${count((c) => c.nonAws)} non-AWS)`,
      },
    },
    {
      group: 'probes',
      component: 'Compute',
      ops: { usd: opsProbeInvoke, detail: `${n(probe.invokeGbS)} GB-s arm64` },
      synthetics: { usd: synLambda, detail: `${n(canaryGbS)} GB-s x86_64 + requests` },
      route53: { usd: 0, detail: 'included' },
    },
    {
      group: 'probes',
      component: 'Cold starts (billed INIT)',
      ops: { usd: opsProbeInit, detail: `${n(probe.initGbS)} GB-s` },
      synthetics: { usd: 0, detail: 'in the assumed canary duration' },
      route53: { usd: 0, detail: 'included' },
    },
    {
      group: 'probes',
      component: 'Optional check features',
      ops: null,
      synthetics: null,
      route53: {
        usd: r53Features,
        detail:
          `HTTPS ${count((c) => c.https)}, string matching ${count((c) => c.stringMatch)}, latency ${count((c) => c.latency)}, ` +
          `fast interval ${count((c) => c.fastInterval)}`,
      },
    },
    {
      group: 'probes',
      component: 'Scheduling',
      ops: { usd: opsProbeScheduler, detail: `${n(probe.requests)} Scheduler invocations` },
      synthetics: { usd: 0, detail: 'included' },
      route53: { usd: 0, detail: 'included' },
    },
    {
      group: 'probes',
      component: 'S3 (alert state / canary artifacts)',
      ops: {
        usd: opsProbeS3,
        detail: `${n(probe.gets)} GET, ${n(probe.puts)} PUT/LIST, ${n(opsProbeStateGb, 3)} GB noncurrent state versions`,
      },
      synthetics: { usd: synS3, detail: `${n(canaryRuns * syn.artifactPutsPerRun)} PUT, ${n(synArtifactGbMonth, 2)} GB-month` },
      route53: null,
    },
    {
      group: 'probes',
      component: 'CloudWatch Logs',
      ops: { usd: opsProbeLogs, detail: `${n(probe.logBytes / BYTES_PER_GB, 2)} GB/month, kept ${logRetention} months` },
      synthetics: {
        usd: synLogs,
        detail: `${n((canaryRuns * syn.logBytesPerRun) / BYTES_PER_GB, 2)} GB/month, kept ${logRetention} months`,
      },
      route53: null,
    },
    {
      group: 'probes',
      component: 'Alarms that turn a failed probe into an alert',
      ops: { usd: 0, detail: 'none: the function evaluates and publishes itself' },
      synthetics: { usd: synAlarms, detail: `${synAlarmCount} alarms (success + duration)` },
      route53: { usd: r53Alarms, detail: `${r53AlarmCount} alarms (status + latency)` },
    },
  ];
  const probes: ColumnTotals = {
    ops: sumCells(probeRows, 'ops'),
    synthetics: sumCells(probeRows, 'synthetics'),
    route53: sumCells(probeRows, 'route53'),
  };

  // ---- the rest of the suite (same in every column)
  const publishes = inputs.topics.reduce((sum, t) => sum + t.publishesPerMonth, 0);
  const emails = inputs.topics.reduce((sum, t) => sum + t.publishesPerMonth * t.emailSubscribers, 0);
  const sms = inputs.topics.reduce((sum, t) => sum + t.publishesPerMonth * t.smsSubscribers, 0);
  const b = inputs.backups;
  const backupGbMonth = b.retentionDays.reduce((sum, days) => sum + b.sizeGb * b.backupsPerDay * days, 0);
  const storedBackups = backupGbMonth * p.s3StandardGbMonth;
  const retention = [...new Set(b.retentionDays)].join('/');
  const suiteStateGb = suite.stateVersionBytes / BYTES_PER_GB;
  const obs = inputs.observability;

  // Each look at the dashboard runs its queries over the default range, a day of every job's logs.
  const dashboardScanGb =
    ((obs.dashboardViewsPerMonth ?? 0) * (obs.dashboardQueries ?? 0) * ((probe.logBytes + suite.logBytes) / DAYS_PER_MONTH)) / BYTES_PER_GB;
  const suiteRows: CostRow[] = [
    ...suiteFns.map((f): CostRow => {
      const s = gbSeconds(f);
      const runs = runsPerMonth(f);
      return {
        group: 'suite',
        component: `Lambda: ${f.label}`,
        ops: {
          usd: (s.invoke + s.init) * p.lambdaArmGbSecond + (runs / 1e6) * p.lambdaPerMillionRequests,
          detail: `${n(runs)} runs x ${n(f.durationMs)} ms x ${f.memoryMb} MB = ${n(s.invoke + s.init)} GB-s`,
        },
        synthetics: null,
        route53: null,
      };
    }),
    {
      group: 'suite',
      component: 'EventBridge Scheduler',
      ops: { usd: (suite.requests / 1e6) * p.schedulerPerMillionInvocations, detail: `${n(suite.requests)} invocations` },
      synthetics: null,
      route53: null,
    },
    {
      group: 'suite',
      component: 'S3 backup storage',
      ops: {
        usd: storedBackups,
        detail:
          `${b.retentionDays.length} databases x ${n(b.sizeGb, 2)} GB x ${b.backupsPerDay}/day x ${retention} days = ` +
          `${n(backupGbMonth)} GB-month`,
      },
      synthetics: null,
      route53: null,
    },
    {
      group: 'suite',
      component: 'S3 requests (backups, state, manifests)',
      ops: {
        usd:
          (suite.gets / 1000) * p.s3GetPer1k +
          (suite.puts / 1000) * p.s3PutPer1k +
          (suiteStateGb + accessLogGbMonth(suite.gets + suite.puts)) * p.s3StandardGbMonth,
        detail: `${n(suite.gets)} GET, ${n(suite.puts)} PUT/LIST`,
      },
      synthetics: null,
      route53: null,
    },
    {
      group: 'suite',
      component: 'SNS alerts and digest',
      ops: {
        usd: (publishes / 1e6) * p.snsPerMillionPublishes + (emails / 100_000) * p.snsEmailPer100k + sms * p.snsSmsPerMessage,
        detail: `${n(publishes)} publishes, ${n(emails)} e-mails, ${n(sms)} SMS`,
      },
      synthetics: null,
      route53: null,
    },
    {
      group: 'suite',
      component: 'CloudWatch Logs (other jobs)',
      ops: { usd: logsCost(suite.logBytes), detail: `${n(suite.logBytes / BYTES_PER_GB, 3)} GB/month` },
      synthetics: null,
      route53: null,
    },
    {
      group: 'suite',
      component: 'KMS key (encrypted topics)',
      ops: {
        usd: inputs.kms.keys * p.kmsKeyMonth + (inputs.kms.requestsPerMonth / 10_000) * p.kmsPer10kRequests,
        detail: `${inputs.kms.keys} key, ${n(inputs.kms.requestsPerMonth)} requests`,
      },
      synthetics: null,
      route53: null,
    },
    {
      group: 'suite',
      component: 'Watching the watchers: alarms',
      ops: { usd: obs.alarms * p.cloudwatchAlarmMonth, detail: `${obs.alarms} alarms` },
      synthetics: null,
      route53: null,
    },
    {
      group: 'suite',
      component: "The screen: saved Logs Insights queries over the runs' log lines (a dashboard only with `dashboard: true`)",
      ops: {
        usd:
          obs.dashboards * p.cloudwatchDashboardMonth +
          obs.customMetrics * p.cloudwatchMetricMonth +
          dashboardScanGb * p.logsInsightsPerGbScanned,
        detail:
          `${obs.dashboards} dashboard${obs.dashboards === 1 ? '' : 's'}, ${obs.customMetrics} custom metrics, ` +
          `${n(obs.dashboardViewsPerMonth ?? 0)} looks x ${obs.dashboardQueries ?? 0} queries = ${n(dashboardScanGb, 2)} GB scanned`,
      },
      synthetics: null,
      route53: null,
    },
    {
      group: 'suite',
      component: 'SQS dead-letter queue, SSM Run Command, Parameter Store',
      ops: { usd: 0, detail: 'no charge at this use' },
      synthetics: null,
      route53: null,
    },
  ];
  const restOfSuite = sumCells(suiteRows, 'ops');
  const total: ColumnTotals = {
    ops: probes.ops + restOfSuite,
    synthetics: probes.synthetics + restOfSuite,
    route53: probes.route53 + restOfSuite,
  };

  // ---- always-free allowances, each column as if it were the account's only use
  const ft = inputs.freeTier;
  const opsLambdaRequests = probe.requests + suite.requests;
  const armGbS = probe.invokeGbS + probe.initGbS + suite.invokeGbS + suite.initGbS;
  const allLogGb = (probe.logBytes + suite.logBytes) / BYTES_PER_GB;
  const shared =
    Math.min(publishes, ft.snsPublishes) * (p.snsPerMillionPublishes / 1e6) +
    Math.min(emails, ft.snsEmails) * (p.snsEmailPer100k / 100_000) +
    Math.min(obs.customMetrics, ft.cloudwatchMetrics) * p.cloudwatchMetricMonth +
    Math.min(obs.dashboards, ft.cloudwatchDashboards) * p.cloudwatchDashboardMonth +
    Math.min(inputs.kms.requestsPerMonth, ft.kmsRequests) * (p.kmsPer10kRequests / 10_000);
  const lambdaFree = (requests: number, x86GbS: number, armGbS_: number): number => {
    // The GB-s allowance is shared by both architectures; it goes to the dearer x86 seconds first.
    const x86Free = Math.min(x86GbS, ft.lambdaGbSeconds);
    const armFree = Math.min(armGbS_, ft.lambdaGbSeconds - x86Free);
    return (
      Math.min(requests, ft.lambdaRequests) * (p.lambdaPerMillionRequests / 1e6) +
      x86Free * p.lambdaX86GbSecond +
      armFree * p.lambdaArmGbSecond
    );
  };
  const logsFree = (gb: number): number => Math.min(gb, ft.logsGb) * p.logsIngestionPerGb;
  const alarmsFree = (alarms: number): number => Math.min(alarms, ft.cloudwatchAlarms) * p.cloudwatchAlarmMonth;
  const schedulerFree = (invocations: number): number =>
    Math.min(invocations, ft.schedulerInvocations) * (p.schedulerPerMillionInvocations / 1e6);
  const synLogGb = (canaryRuns * syn.logBytesPerRun) / BYTES_PER_GB;
  const awsChecks = count((c) => !c.nonAws);
  const freeTier: ColumnTotals = {
    ops: lambdaFree(opsLambdaRequests, 0, armGbS) + schedulerFree(opsLambdaRequests) + logsFree(allLogGb) + alarmsFree(obs.alarms) + shared,
    synthetics:
      lambdaFree(suite.requests + canaryRuns, canaryGbS, suite.invokeGbS + suite.initGbS) +
      schedulerFree(suite.requests) +
      logsFree(suite.logBytes / BYTES_PER_GB + synLogGb) +
      alarmsFree(obs.alarms + synAlarmCount) +
      Math.min(canaryRuns, ft.syntheticsCanaryRuns) * p.syntheticsPerCanaryRun +
      shared,
    route53:
      lambdaFree(suite.requests, 0, suite.invokeGbS + suite.initGbS) +
      schedulerFree(suite.requests) +
      logsFree(suite.logBytes / BYTES_PER_GB) +
      alarmsFree(obs.alarms + r53AlarmCount) +
      Math.min(awsChecks, ft.route53AwsEndpointChecks) * p.route53AwsEndpointCheck +
      shared,
  };
  const totalAfterFreeTier: ColumnTotals = {
    ops: total.ops - freeTier.ops,
    synthetics: total.synthetics - freeTier.synthetics,
    route53: total.route53 - freeTier.route53,
  };

  return {
    rows: [...probeRows, ...suiteRows],
    probes,
    restOfSuite,
    total,
    storedBackups,
    freeTier,
    totalAfterFreeTier,
    usage: {
      healthRuns: probe.requests,
      lambdaRequests: opsLambdaRequests,
      lambdaGbSeconds: armGbS,
      schedulerInvocations: opsLambdaRequests,
      canaryRuns,
      canaryGbSeconds: canaryGbS,
      snsPublishes: publishes,
      emails,
      sms,
      logsGb: allLogGb,
      backupGbMonth,
    },
  };
}

function sumCells(rows: readonly CostRow[], column: 'ops' | 'synthetics' | 'route53'): number {
  return rows.reduce((sum, row) => sum + (row[column]?.usd ?? 0), 0);
}
