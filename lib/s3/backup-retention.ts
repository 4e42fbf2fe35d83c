import { checkNameOf } from '../../functions/core/config/schema.js';
import { BACKUPS_PREFIX, STATE_PREFIX } from '../../functions/core/layout.js';
import type { Config } from '../../functions/kinds/config.js';

/** Days a backup is kept when its database sets no `retentionDays` (the schema's default). */
export const DEFAULT_BACKUP_RETENTION_DAYS = 30;

export { BACKUPS_PREFIX, STATE_PREFIX };

/**
 * Where the backups of one database live: `backups/<target>/<check name>/`. The check name is the
 * database's `name`, or its `database` when no name is given, so it is unique within a target.
 */
export function backupPrefix(target: string, checkName: string): string {
  return `${BACKUPS_PREFIX}${target}/${checkName}/`;
}

/** One S3 lifecycle expiration: objects under `prefix` are deleted `days` after they were written. */
export interface BackupExpiration {
  readonly prefix: string;
  readonly days: number;
}

interface BackedUpDatabase {
  readonly target: string;
  readonly name: string;
  readonly retentionDays: number;
}

function backedUpDatabases(config: Config): BackedUpDatabase[] {
  return Object.entries(config.targets).flatMap(([target, t]) => [
    ...(t.postgres ?? []).flatMap((p) => (p.backup ? [{ target, name: checkNameOf(p), retentionDays: p.backup.retentionDays }] : [])),
    ...(t.sqlite ?? []).flatMap((s) => (s.backup ? [{ target, name: s.name, retentionDays: s.backup.retentionDays }] : [])),
  ]);
}

/**
 * The expiration rules of `backups/`, computed from the config.
 *
 * S3 applies every lifecycle rule whose filter matches an object, and when two expirations
 * match, the earlier one deletes the object: a 90-day rule on `backups/mycats/main/` next to a
 * 30-day rule on `backups/` keeps nothing longer than 30 days. Lifecycle filters only know
 * prefixes and tags (no "except"), so the rules here never overlap:
 *
 * - every database on the default: one rule on `backups/` (it also expires backups of targets
 *   that were removed from the config);
 * - some database with its own retention: one rule per such database on its prefix, and the
 *   default split into one rule per target whose databases are all on the default
 *   (`backups/<target>/`) and one per default database of the other targets. Keys under
 *   `backups/` outside these prefixes (a removed target) are then kept until deleted by hand,
 *   which errs on the side of losing nothing.
 *
 * Prefixes rather than object tags, so expiry does not depend on every writer tagging objects.
 */
export function backupExpirations(config: Config): BackupExpiration[] {
  const databases = backedUpDatabases(config);
  const custom = databases.filter((d) => d.retentionDays !== DEFAULT_BACKUP_RETENTION_DAYS);
  if (custom.length === 0) return [{ prefix: BACKUPS_PREFIX, days: DEFAULT_BACKUP_RETENTION_DAYS }];

  const targetsWithCustom = new Set(custom.map((d) => d.target));
  const rules: BackupExpiration[] = [];
  for (const target of Object.keys(config.targets)) {
    if (!targetsWithCustom.has(target)) {
      rules.push({ prefix: `${BACKUPS_PREFIX}${target}/`, days: DEFAULT_BACKUP_RETENTION_DAYS });
      continue;
    }
    for (const db of databases.filter((d) => d.target === target)) {
      rules.push({ prefix: backupPrefix(db.target, db.name), days: db.retentionDays });
    }
  }
  return rules;
}
