import { durationMs } from '../../functions/core/config/duration.js';
import { checkNameOf, type Config } from '../../functions/core/config/schema.js';
import { DEFAULT_DISK } from '../../functions/ssm-checks/disk/parse.js';

export interface HttpCheckPanel {
  readonly check: string;
  readonly everySeconds: number;
  readonly warningMs?: number;
  readonly criticalMs?: number;
}

export interface BackupPanel {
  /** The database's check name: the `Database` dimension of the backup metrics. */
  readonly database: string;
  readonly at: string;
  readonly via: 'lambda' | 'ssm';
}

/** What the dashboard shows for one target, read from the config (pure). */
export interface TargetOverview {
  readonly target: string;
  readonly description?: string;
  readonly http: readonly HttpCheckPanel[];
  readonly postgres: readonly string[];
  readonly backups: readonly BackupPanel[];
  /** Present when the target has servers: the disk thresholds in %, the config's or the disk job's defaults. */
  readonly disk?: { readonly warning: number; readonly critical: number; readonly tags: Readonly<Record<string, string>> };
}

export function targetsOverview(config: Config): TargetOverview[] {
  return Object.entries(config.targets).map(([target, t]) => ({
    target,
    description: t.description,
    http: (t.health ?? []).map((h) => ({
      check: checkNameOf(h),
      everySeconds: durationMs(h.every) / 1000,
      warningMs: h.responseTime?.warning === undefined ? undefined : durationMs(h.responseTime.warning),
      criticalMs: h.responseTime?.critical === undefined ? undefined : durationMs(h.responseTime.critical),
    })),
    postgres: (t.postgres ?? []).map((p) => checkNameOf(p)),
    backups: [
      ...(t.postgres ?? []).flatMap((p) => (p.backup ? [{ database: checkNameOf(p), at: p.backup.at, via: p.backup.via }] : [])),
      ...(t.sqlite ?? []).flatMap((s) => (s.backup ? [{ database: s.name, at: s.backup.at, via: s.backup.via }] : [])),
    ],
    ...(t.servers
      ? {
          disk: {
            warning: t.servers.disk?.warning ?? DEFAULT_DISK.warning,
            critical: t.servers.disk?.critical ?? DEFAULT_DISK.critical,
            tags: t.servers.tags,
          },
        }
      : {}),
  }));
}

/** One line of Markdown under a target's heading: what is watched there. */
export function targetSummary(t: TargetOverview): string {
  const parts = [
    t.http.length ? `HTTP: ${t.http.map((h) => h.check).join(', ')}` : undefined,
    t.postgres.length ? `PostgreSQL: ${t.postgres.join(', ')}` : undefined,
    t.backups.length
      ? `backups: ${t.backups.map((b) => `${b.database} at ${b.at}${b.via === 'ssm' ? ' (on the server)' : ''}`).join(', ')}`
      : undefined,
    t.disk
      ? `servers tagged ${Object.entries(t.disk.tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`
      : undefined,
  ].filter((p): p is string => p !== undefined);
  return parts.join(' · ') || 'nothing configured';
}
