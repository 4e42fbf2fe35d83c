import { durationMs, formatDuration } from '../core/config/duration.js';
import type { Finding } from '../core/domain/finding.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import { backedUpEntries } from './entries.js';
import { databasePrefix, parseBackupKey } from '../core/layout.js';
import { parseManifest, type BackupManifest } from './manifest.js';
import type { Config } from '../kinds/config.js';
import { classifyRule } from '../kinds/catalog.js';

/** The check name of a database's freshness finding in the health job (its connect check keeps the plain name). */
export function freshnessCheckName(database: string): string {
  return `${database}.backup-age`;
}

/** The newest manifest under a database's prefix that parses; undefined when there is none. */
export async function newestManifest(
  store: ObjectStore,
  target: string,
  database: string,
): Promise<{ key: string; manifest: BackupManifest } | undefined> {
  const keys = (await store.list(databasePrefix(target, database)))
    .map((o) => o.key)
    .filter((key) => parseBackupKey(key)?.role === 'manifest')
    .sort()
    .reverse();
  for (const key of keys) {
    const object = await store.get(key);
    if (!object) continue;
    try {
      return { key, manifest: parseManifest(object.body, key) };
    } catch {
      // A damaged manifest vouches for nothing; an older one may still count.
    }
  }
  return undefined;
}

/**
 * For the health job: High when a database's newest verified backup is older than its
 * `maxAge` (default 26h) or when it has none, so a schedule that silently stopped is noticed.
 */
export async function checkBackupFreshness(config: Config, store: ObjectStore, now: Date, targets?: readonly string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const entry of backedUpEntries(config, targets)) {
    const check = freshnessCheckName(entry.database);
    const maxAgeMs = durationMs(entry.backup.maxAge);
    const high = classifyRule('backup.failed', 'critical');
    let newest: Awaited<ReturnType<typeof newestManifest>>;
    try {
      newest = await newestManifest(store, entry.target, entry.database);
    } catch (error) {
      findings.push({
        target: entry.target,
        check,
        kind: 'backup',
        severity: high,
        summary: `cannot list backups in ${store.location}: ${(error as Error).message}`,
        observed: { maxAge: entry.backup.maxAge },
      });
      continue;
    }
    if (!newest) {
      findings.push({
        target: entry.target,
        check,
        kind: 'backup',
        severity: high,
        summary: `no verified backup in ${store.location}/${databasePrefix(entry.target, entry.database)}`,
        observed: { maxAge: entry.backup.maxAge },
      });
      continue;
    }
    const finishedAt = Date.parse(newest.manifest.finishedAt);
    const ageMs = now.getTime() - finishedAt;
    const stale = ageMs > maxAgeMs;
    findings.push({
      target: entry.target,
      check,
      kind: 'backup',
      severity: stale ? high : 'ok',
      summary: stale
        ? `newest verified backup is ${formatDuration(ageMs)} old, more than maxAge ${entry.backup.maxAge}: ${newest.manifest.key}`
        : `newest verified backup ${formatDuration(Math.max(0, ageMs))} old`,
      observed: {
        key: newest.manifest.key,
        finishedAt: newest.manifest.finishedAt,
        ageMs,
        maxAge: entry.backup.maxAge,
        size: newest.manifest.size,
      },
    });
  }
  return findings;
}
