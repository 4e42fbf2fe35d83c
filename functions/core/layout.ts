/**
 * The names that cross the boundary between the deployed functions, the CDK constructs and the
 * CLI: where things live in the bucket, which environment variables the stack sets, and what the
 * stack outputs are called. Each side reads them from here, so a name changed in one place cannot
 * leave another side looking in the old one.
 *
 * Pure constants and string functions only: the Lambda bundles import this module too.
 */
import type { Job, Topic } from './domain/report.js';

// --- Bucket layout -------------------------------------------------------------------------

/** Alert state, pending server-check runs and the digest snapshot. Never expired by lifecycle rules. */
export const STATE_PREFIX = 'state/';
/** One alert-state object per job: `state/alerts/<job>.json`. */
export const ALERT_STATE_PREFIX = `${STATE_PREFIX}alerts/`;
/** Server-check runs sent but not yet collected: `state/ssm-pending/<job>/<run id>.json`. */
export const PENDING_RUNS_PREFIX = `${STATE_PREFIX}ssm-pending/`;
/** What the last digest reported, to tell tomorrow's what changed. */
export const DIGEST_SNAPSHOT_KEY = `${STATE_PREFIX}digest/last.json`;
/** Which run holds the day's digest, and whether it went out: one digest a day however many runs overlap. */
export const DIGEST_CLAIM_KEY = `${STATE_PREFIX}digest/claim.json`;
/**
 * The store's identity: `{ id, createdAt, jobs: { <job>: <first saved> } }`, written once a job's alert state is first
 * saved. A job whose state and earlier copies are all missing from a store that lists it has lost its state (a critical
 * notice); one the store does not list is on its first run (quiet).
 */
export const STORE_IDENTITY_KEY = `${STATE_PREFIX}store.json`;

/**
 * Backup archives and their manifests:
 * `backups/<target>/<database>/<YYYY>/<MM>/<DD>/<target>-<database>-<UTC timestamp>.<ext>`
 * (backupKeys below). Expired per database by the bucket's lifecycle rules.
 */
export const BACKUPS_PREFIX = 'backups/';
/**
 * A manifest is the archive's key with this extension instead (`.dump`, `.sqlite.gz`), so an IAM
 * resource `backups/*.json` reads manifests and never an archive.
 */
export const MANIFEST_EXTENSION = '.json';

// --- Backup keys ---------------------------------------------------------------------------

/**
 * Where backups live in the store:
 * `backups/<target>/<database>/<YYYY>/<MM>/<DD>/<target>-<database>-<UTC timestamp>.<ext>`
 * with the manifest beside the archive (`...<timestamp>.json`). `<database>` is the entry's
 * check name (its `name`, or its `database` when none is given), unique within a target, which
 * is also the prefix the bucket's per-database lifecycle rules match (lib/s3/backup-retention.ts).
 */
export const BACKUPS_ROOT = BACKUPS_PREFIX;

export type ArchiveFormat = 'pg_dump-custom' | 'sqlite-gzip';

const EXTENSIONS: Record<ArchiveFormat, string> = { 'pg_dump-custom': '.dump', 'sqlite-gzip': '.sqlite.gz' };

export interface BackupKeys {
  readonly archiveKey: string;
  readonly manifestKey: string;
}

/** `20261123T020000.123Z`: sortable as text, and milliseconds keep two runs in one second apart. */
export function keyTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '');
}

export function parseKeyTimestamp(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z$/.exec(text);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function databasePrefix(target: string, database?: string): string {
  return database === undefined ? `${BACKUPS_ROOT}${target}/` : `${BACKUPS_ROOT}${target}/${database}/`;
}

export function backupKeys(target: string, database: string, startedAt: Date, format: ArchiveFormat = 'pg_dump-custom'): BackupKeys {
  const iso = startedAt.toISOString();
  const day = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
  const base = `${databasePrefix(target, database)}${day}/${target}-${database}-${keyTimestamp(startedAt)}`;
  return { archiveKey: `${base}${EXTENSIONS[format]}`, manifestKey: `${base}${MANIFEST_EXTENSION}` };
}

export interface ParsedBackupKey {
  readonly target: string;
  readonly database: string;
  readonly startedAt: Date;
  readonly role: 'archive' | 'manifest';
  readonly format?: ArchiveFormat;
  /** The key without its extension: an archive and its manifest share it. */
  readonly base: string;
}

const KEY_PATTERN =
  /^backups\/([a-z0-9][a-z0-9-]*)\/([^/]+)\/\d{4}\/\d{2}\/\d{2}\/[^/]+-(\d{8}T\d{6}\.\d{3}Z)(\.dump|\.sqlite\.gz|\.json)$/;

/** Reads a key written by backupKeys(); anything else under `backups/` gives undefined. */
export function parseBackupKey(key: string): ParsedBackupKey | undefined {
  const m = KEY_PATTERN.exec(key);
  if (!m) return undefined;
  const [, target, database, stamp, ext] = m;
  const startedAt = parseKeyTimestamp(stamp!);
  if (!startedAt || !key.endsWith(`/${target}-${database}-${stamp}${ext}`)) return undefined;
  const base = key.slice(0, key.length - ext!.length);
  if (ext === '.json') return { target: target!, database: database!, startedAt, role: 'manifest', base };
  const format = ext === '.dump' ? 'pg_dump-custom' : 'sqlite-gzip';
  return { target: target!, database: database!, startedAt, role: 'archive', format, base };
}

// --- Status page ----------------------------------------------------------------------------

/**
 * Per-check daily aggregates the health job keeps for the status page (functions/status-page/history):
 * `history/days/<local date>/<group>.json` (a day of one schedule group's checks, with hourly rows) and
 * `history/rollup/<group>.json` (the group's closed days, 90 of them). A lifecycle rule expires day documents.
 */
export const HISTORY_PREFIX = 'history/';
export const HISTORY_DAYS_PREFIX = `${HISTORY_PREFIX}days/`;
export const HISTORY_ROLLUP_PREFIX = `${HISTORY_PREFIX}rollup/`;

export function historyDayKey(day: string, group: string): string {
  return `${HISTORY_DAYS_PREFIX}${day}/${group}.json`;
}

export function historyRollupKey(group: string): string {
  return `${HISTORY_ROLLUP_PREFIX}${group}.json`;
}

/** The private status page (served through the signed-link function) and the public one (CloudFront, `statusPage.public`). */
export const STATUS_PAGE_KEY = 'status/index.html';
export const PUBLIC_STATUS_PREFIX = 'status/public/';
export const PUBLIC_STATUS_PAGE_KEY = `${PUBLIC_STATUS_PREFIX}index.html`;
/** Each check's state and since when, and when the page was last written: what decides a regeneration. Under state/. */
export const STATUS_STATE_KEY = `${STATE_PREFIX}status-page.json`;

/** Full stdout and stderr of each SSM command, written by the SSM Agent: `ssm-output/<job>/<target>/…`. */
export const SSM_OUTPUT_PREFIX = 'ssm-output/';

export function alertStateKey(job: Job): string {
  return `${ALERT_STATE_PREFIX}${job}.json`;
}

/**
 * A job's delivery records, one per delivered notice and channel: `state/alerts/<job>.delivery.<at>-<notice>-<channel>…`
 * (functions/core/alerts/delivery-records.ts). Beside the state rather than in a folder of their own, so a directory
 * store that is full can still take one (an empty file in an existing directory needs no free block).
 */
export function deliveryRecordPrefix(job: Job): string {
  return `${ALERT_STATE_PREFIX}${job}${DELIVERY_RECORD_MARK}`;
}

/** What every delivery record's name holds after its job: the IAM grant that deletes expired records matches it. */
export const DELIVERY_RECORD_MARK = '.delivery.';

// --- Environment variables the stack sets on the functions -----------------------------------

/** Set by the stack on the functions; what each holds is in ENV_DESCRIPTIONS below. */
export const ENV = {
  bucket: 'AUTOPILOT_BUCKET',
  channels: 'AUTOPILOT_CHANNELS',
  topicArns: 'AUTOPILOT_TOPIC_ARNS',
  serverJob: 'AUTOPILOT_SERVER_JOB',
  ssmDocuments: 'AUTOPILOT_SSM_DOCUMENTS',
  ssmOutputPrefix: 'AUTOPILOT_SSM_OUTPUT_PREFIX',
  backupDocument: 'AUTOPILOT_BACKUP_DOCUMENT',
  dashboardUrl: 'AUTOPILOT_DASHBOARD_URL',
  /** The status page function's URL, which alert bodies and the digest link with a signed token (absent: no link). */
  statusPageUrl: 'AUTOPILOT_STATUS_URL',
  /** The Secrets Manager secret (ARN) whose value signs and checks the links' tokens. */
  linkKeySecret: 'AUTOPILOT_LINK_KEY_SECRET',
  /** Tells apart the history documents of two functions running the same schedules (the VPC health function: `vpc`). */
  historyGroup: 'AUTOPILOT_HISTORY_GROUP',
} as const;

/** What each of ENV holds and which functions get it: the docs' environment table (`npm run docs`) prints these. */
export const ENV_DESCRIPTIONS: { readonly [K in keyof typeof ENV]: string } = {
  bucket: "the suite's bucket: backups, alert state, pending server-check runs (every function)",
  channels: 'the delivery channels a deployed function uses, comma-separated names from the channel registry (every function)',
  topicArns: "JSON object `{ critical, high, medium, low, digest }` of the topic ARNs (every function; the sns channel's)",
  serverJob: 'the server-check job a disk or security function runs: `disk` or `security`',
  ssmDocuments: 'JSON `{ disk: { name, version }, security: { name, version } }` of the check documents (disk, security)',
  ssmOutputPrefix: "where the SSM Agent writes each command's full output in the bucket (disk, security)",
  backupDocument: "the host-backup document's name, when any database is backed up through SSM (backup)",
  dashboardUrl: "the operations screen's console URL (the dashboard, else the saved queries), linked from notices (every function)",
  statusPageUrl: "the status page function's URL, which notices and the digest link with a token valid 7 days (every alerting function)",
  linkKeySecret: "the Secrets Manager secret (ARN) whose value signs the links' tokens (alerting functions) and checks them (status page)",
  historyGroup: 'tells apart the history documents of two health functions running the same schedules (`vpc` for the VPC one)',
};

/** Environment variables read by the CLI and the CDK app (set by the user, not by the stack). */
export const CLI_ENV = {
  s3Endpoint: 'S3_ENDPOINT',
  bucket: ENV.bucket,
  stack: 'AUTOPILOT_STACK',
  config: 'AUTOPILOT_CONFIG',
} as const;

/** What each of CLI_ENV does, for the docs' environment table. */
export const CLI_ENV_DESCRIPTIONS: { readonly [K in keyof typeof CLI_ENV]: string } = {
  s3Endpoint: 'an S3-compatible endpoint for `--local` runs and `restore`, instead of a directory (with AUTOPILOT_BUCKET)',
  bucket: 'the bucket on that endpoint (`--local`), or the deployed bucket `restore` reads without `--local`',
  stack: 'the deployed stack `autopilot invoke`, `restore` and `status` look in (default `OpsAutopilot`; `--stack` wins)',
  config: 'the config file `cdk synth` and `cdk deploy` read (the `-c config=` context wins)',
};

// --- Stack outputs ---------------------------------------------------------------------------

export const DEFAULT_STACK_NAME = 'OpsAutopilot';

export const OUTPUTS = {
  bucketName: 'BucketName',
  /** Only when the config sets `dashboard: true`. */
  dashboardUrl: 'DashboardUrl',
  /** Logs Insights, where the screen's saved queries are. */
  queriesUrl: 'QueriesUrl',
  /** The alert subscriptions' dead-letter queue: notices SNS could not deliver. */
  deliveryDeadLetterQueueUrl: 'DeliveryDeadLetterQueueUrl',
  /** The status page function's URL (a link needs a token: alerts and the digest carry one). */
  statusPageUrl: 'StatusPageUrl',
  /** Only with `statusPage.public`: the CloudFront distribution serving the public page. */
  publicStatusPageUrl: 'PublicStatusPageUrl',
} as const;

function capitalised(word: string): string {
  return `${word[0]!.toUpperCase()}${word.slice(1)}`;
}

/** `HealthFunctionName`, `DiskFunctionName`, ...: what `autopilot invoke <job>` reads. */
export function functionNameOutput(job: Job): string {
  return `${capitalised(job)}FunctionName`;
}

/** `CriticalTopicArn`, ..., `DigestTopicArn`. */
export function topicArnOutput(topic: Topic): string {
  return `${capitalised(topic)}TopicArn`;
}
