import { durationMs } from '../../functions/core/config/duration.js';
import { checkNameOf, type Config } from '../../functions/core/config/schema.js';
import { checksOfTarget, PROBED_KINDS } from '../../functions/kinds/catalog.js';
import { DEFAULT_DISK } from '../../functions/ssm-checks/disk/parse.js';

/** A check whose kind reports `ResponseTime` (HTTP): one line on the target's response-time graph. */
export interface ResponseTimePanel {
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
  /** The probed checks' names, kind by kind (kinds without checks left out): "HTTP: api, cats". */
  readonly checks: ReadonlyArray<{ readonly kind: string; readonly label: string; readonly names: readonly string[] }>;
  /** The checks whose kind draws response-time thresholds (functions/kinds/<kind>/kind.ts `responseTime`). */
  readonly responseTime: readonly ResponseTimePanel[];
  readonly backups: readonly BackupPanel[];
  /** Present when the target has servers: the disk thresholds in %, the config's or the disk job's defaults. */
  readonly disk?: { readonly warning: number; readonly critical: number; readonly tags: Readonly<Record<string, string>> };
}

export function targetsOverview(config: Config): TargetOverview[] {
  return Object.entries(config.targets).map(([target, t]) => {
    const checks = checksOfTarget(target, t);
    return {
      target,
      description: t.description,
      checks: PROBED_KINDS.map((kind) => ({
        kind: kind.name,
        label: kind.label,
        names: checks.filter((c) => c.kind === kind).map((c) => c.name),
      })).filter((group) => group.names.length > 0),
      responseTime: checks.flatMap((c) => {
        const thresholds = c.kind.responseTime?.(c.check);
        return thresholds ? [{ check: c.name, everySeconds: durationMs(c.kind.plan(c.check).every) / 1000, ...thresholds }] : [];
      }),
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
    };
  });
}

/** One line of Markdown under a target's heading: what is watched there. */
export function targetSummary(t: TargetOverview): string {
  const parts = [
    ...t.checks.map((group) => `${group.label}: ${group.names.join(', ')}`),
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
