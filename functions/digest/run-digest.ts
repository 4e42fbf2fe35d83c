import { randomUUID } from 'node:crypto';
import type { Notification, Report } from '../core/domain/report.js';
import { ALERTING_JOBS } from '../core/jobs.js';
import { DIGEST_SNAPSHOT_KEY } from '../core/layout.js';
import { reportedNotification, type JobContext } from '../core/run/run-job.js';
import { readDashboardUrl } from '../core/run/environment.js';

export { DIGEST_SNAPSHOT_KEY };
import { readBackupHistory } from './backup-history.js';
import { readAlertStates } from './read-states.js';
import type { BackupRecord, DigestSnapshot } from './digest-data.js';
import type { AlertState } from '../core/alerts/state.js';
import { selectedTargets } from '../core/run/invoke-event.js';
import { localDateOf, renderDigest } from './render-digest.js';
import type { Config } from '../kinds/config.js';
import { claimDigest, settleDigest } from './digest-claim.js';

export interface DigestRunOptions {
  /** Send even if today's digest went out already (a manual invoke); a scheduler retry does not. */
  readonly force?: boolean;
  /**
   * Only these targets (`run digest --target x`, an invoke naming targets): their checks, backups and changes, nothing
   * of the others. Such a digest is an extra look, not the day's digest: it leaves the snapshot tomorrow's compares with.
   */
  readonly targets?: readonly string[];
}

/** The digest's input and config narrowed to the selected targets. */
function narrowed(
  input: { states: readonly AlertState[]; backups: readonly BackupRecord[]; previous?: DigestSnapshot },
  config: Config,
  targets: readonly string[],
) {
  const selected = new Set(targets);
  const states = input.states.map((state) => ({
    ...state,
    entries: Object.fromEntries(Object.entries(state.entries).filter(([, entry]) => selected.has(entry.target))),
  }));
  const ofTargets = (key: string) => selected.has(key.slice(0, key.indexOf('/')));
  const previous = input.previous && {
    ...input.previous,
    checks: Object.fromEntries(Object.entries(input.previous.checks).filter(([key]) => ofTargets(key))),
  };
  return {
    states,
    backups: input.backups.filter((b) => selected.has(b.target)),
    previous,
    config: { ...config, targets: Object.fromEntries(Object.entries(config.targets).filter(([name]) => selected.has(name))) },
  };
}

async function readJson<T>(context: JobContext, key: string, parse: (text: string) => T): Promise<T | undefined> {
  const object = await context.store.get(key);
  if (!object) return undefined;
  try {
    return parse(object.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The daily digest: one message to the digest topic per day, then a snapshot to compare with tomorrow. */
export async function runDigestJob(config: Config, options: DigestRunOptions, context: JobContext): Promise<Report> {
  const clock = context.now ?? (() => new Date());
  const now = clock();
  const { states, unreadable, warnings } = await readAlertStates(context.store, ALERTING_JOBS);
  const stored = await readJson(context, DIGEST_SNAPSHOT_KEY, (text) => JSON.parse(text) as DigestSnapshot);
  const today = localDateOf(now, config.timezone);
  const sentToday = stored?.localDate === today;
  // A second digest the same day compares with what the first one did, not with itself.
  const previous = sentToday ? stored.baseline : stored;
  const backups = await readBackupHistory(context.store, now);
  // A link valid 7 days from today's digest: a failure to sign one costs the link, never the digest.
  const linkWarnings: string[] = [];
  const statusPage = await context.links?.statusPage(now).catch((error: unknown) => {
    linkWarnings.push(`status page link left out of the digest: ${(error as Error).message}`);
    return undefined;
  });
  const only = options.targets?.length ? selectedTargets(config, options.targets) : undefined;
  const view = only ? narrowed({ states, backups, previous }, config, only) : { states, backups, previous, config };
  const digest = renderDigest(
    { now, states: view.states, unreadable, backups: view.backups, previous: view.previous, only },
    view.config,
    readDashboardUrl(),
    statusPage,
  );
  const base = {
    job: 'digest' as const,
    startedAt: now.toISOString(),
    findings: [],
    ...(warnings.length || linkWarnings.length ? { warnings: [...warnings, ...linkWarnings] } : {}),
  };
  // A digest of some targets (run digest --target, an invoke naming targets) is a look on demand: it goes out whatever
  // the day's full digest did, and neither takes the day's claim nor moves its snapshot, which stay the full digest's.
  if (!only && sentToday && !options.force) {
    const sent = `today's digest (${today}) went out at ${stored.sentAt}: not sent again`;
    return { ...base, warnings: [...(base.warnings ?? []), sent], finishedAt: new Date().toISOString(), notifications: [] };
  }
  // One run sends the day's digest, however many overlap (digest-claim.ts).
  const claimed = only
    ? undefined
    : await claimDigest(context.store, { localDate: today, runId: randomUUID(), now, force: options.force ?? false });
  if (claimed && !claimed.claimed) {
    return { ...base, warnings: [...(base.warnings ?? []), claimed.reason], finishedAt: new Date().toISOString(), notifications: [] };
  }
  const notification: Notification = {
    topic: 'digest',
    severity: 'digest',
    subject: digest.subject,
    message: digest.message,
    attributes: digest.attributes,
    bodies: digest.bodies,
  };
  try {
    await context.notifier.publish(notification);
  } catch (error) {
    // The claim is released and the snapshot not advanced, so the next run (a scheduler retry) sends today's digest.
    if (claimed) await settleDigest(context.store, claimed, undefined).catch(() => undefined);
    return {
      ...base,
      finishedAt: new Date().toISOString(),
      notifications: [reportedNotification(notification)],
      undelivered: [{ topic: 'digest', error: (error as Error).message }],
    };
  }
  if (!claimed) return { ...base, finishedAt: new Date().toISOString(), notifications: [reportedNotification(notification)] };
  // The claim and the snapshot carry the same time, so every run that finds the day sent names the same moment.
  const sentAt = clock();
  await settleDigest(context.store, claimed, sentAt);
  const baseline = previous ? { localDate: previous.localDate, sentAt: previous.sentAt, checks: previous.checks } : undefined;
  await context.store.put(DIGEST_SNAPSHOT_KEY, JSON.stringify({ ...digest.snapshot, sentAt: sentAt.toISOString(), baseline }));
  return {
    ...base,
    finishedAt: new Date().toISOString(),
    notifications: [reportedNotification(notification)],
  };
}
