import type { Notification, Report } from '../core/domain/report.js';
import { ALERTING_JOBS } from '../core/jobs.js';
import { DIGEST_SNAPSHOT_KEY } from '../core/layout.js';
import type { JobContext } from '../core/run/run-job.js';
import { readDashboardUrl } from '../core/run/environment.js';

export { DIGEST_SNAPSHOT_KEY };
import { readBackupHistory } from './backup-history.js';
import { readAlertStates } from './read-states.js';
import type { DigestSnapshot } from './digest-data.js';
import { localDateOf, renderDigest } from './render-digest.js';
import type { Config } from '../kinds/config.js';

export interface DigestRunOptions {
  /** Send even if today's digest went out already (a manual invoke); a scheduler retry does not. */
  readonly force?: boolean;
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
  const now = (context.now ?? (() => new Date()))();
  const { states, unreadable, warnings } = await readAlertStates(context.store, ALERTING_JOBS);
  const stored = await readJson(context, DIGEST_SNAPSHOT_KEY, (text) => JSON.parse(text) as DigestSnapshot);
  const today = localDateOf(now, config.timezone);
  const sentToday = stored?.localDate === today;
  // A second digest the same day compares with what the first one did, not with itself.
  const previous = sentToday ? stored.baseline : stored;
  const backups = await readBackupHistory(context.store, now);
  const digest = renderDigest({ now, states, unreadable, backups, previous }, config, readDashboardUrl());
  const base = {
    job: 'digest' as const,
    startedAt: now.toISOString(),
    findings: [],
    ...(warnings.length ? { warnings: [...warnings] } : {}),
  };
  if (sentToday && !options.force) {
    return { ...base, finishedAt: new Date().toISOString(), notifications: [] };
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
    // The snapshot is not advanced, so the next run (a scheduler retry) sends today's digest.
    return {
      ...base,
      finishedAt: new Date().toISOString(),
      notifications: [{ topic: 'digest', severity: 'digest', subject: digest.subject, message: digest.message, bodies: digest.bodies }],
      undelivered: [{ topic: 'digest', error: (error as Error).message }],
    };
  }
  const baseline = previous ? { localDate: previous.localDate, sentAt: previous.sentAt, checks: previous.checks } : undefined;
  await context.store.put(DIGEST_SNAPSHOT_KEY, JSON.stringify({ ...digest.snapshot, baseline }));
  return {
    ...base,
    finishedAt: new Date().toISOString(),
    notifications: [{ topic: 'digest', severity: 'digest', subject: digest.subject, message: digest.message, bodies: digest.bodies }],
  };
}
