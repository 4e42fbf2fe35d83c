import { z } from 'zod';
import type { ServersConfig } from '../../core/config/schema.js';
import { type HostFindings, invalidParams, levelOf, UNKNOWN_SEVERITY, worse } from '../host-report.js';

/** Thresholds when a target's servers set no `disk` block (the runbooks' 80 % warning). */
export const DEFAULT_DISK = { warning: 80, critical: 90 } as const;

const pct = z.number().nullable().optional();

export const diskOutput = z.object({
  v: z.literal(1),
  job: z.literal('disk'),
  host: z.string(),
  status: z.enum(['ok', 'unknown']),
  invalid: invalidParams,
  entries: z.array(
    z.object({
      mount: z.string().optional(),
      path: z.string().optional(),
      fs: z.string().optional(),
      source: z.string().optional(),
      sizeKb: z.number().optional(),
      usedPct: pct,
      inodesPct: pct,
      status: z.enum(['missing', 'unknown']).optional(),
      reason: z.string().optional(),
    }),
  ),
  omitted: z.number(),
  omittedMaxPct: z.number(),
});

export type DiskOutput = z.output<typeof diskOutput>;

export function addDiskFindings(out: DiskOutput, servers: ServersConfig, f: HostFindings): void {
  const { warning, critical } = servers.disk ?? DEFAULT_DISK;
  const thresholds = { warning, critical };
  const mounts = new Map<
    string,
    { fs?: string; source?: string; sizeKb?: number; usedPct?: number | null; inodesPct?: number | null; paths: string[] }
  >();
  for (const entry of out.entries) {
    if (entry.status === 'missing') {
      f.rated(`disk:${entry.path}`, 'disk', 'disk.usage', 'warning', `configured path ${entry.path} does not exist`, { path: entry.path });
      continue;
    }
    if (entry.status === 'unknown' || entry.mount === undefined) {
      f.add(
        `disk:${entry.path ?? entry.mount ?? '?'}`,
        'disk',
        UNKNOWN_SEVERITY,
        `could not check ${entry.path ?? entry.mount}: ${entry.reason ?? 'df gave no answer'}`,
        { path: entry.path },
      );
      continue;
    }
    const mount = mounts.get(entry.mount) ?? {
      fs: entry.fs,
      source: entry.source,
      sizeKb: entry.sizeKb,
      usedPct: entry.usedPct,
      inodesPct: entry.inodesPct,
      paths: [],
    };
    if (entry.path) mount.paths.push(entry.path);
    mounts.set(entry.mount, mount);
  }
  for (const [mount, use] of mounts) {
    const spaceLevel = levelOf(use.usedPct, warning, critical);
    const inodeLevel = levelOf(use.inodesPct, warning, critical);
    const level = worse(spaceLevel, inodeLevel);
    const parts = [
      `${use.usedPct ?? '?'}% space`,
      ...(use.inodesPct === null || use.inodesPct === undefined ? [] : [`${use.inodesPct}% inodes`]),
    ];
    const breach =
      level === 'ok'
        ? ''
        : ` (${level} at ${level === 'critical' ? critical : warning}%${inodeLevel === level && spaceLevel !== level ? ', inodes' : ''})`;
    const holds = use.paths.length ? `, holds ${use.paths.join(', ')}` : '';
    f.rated(`disk:${mount}`, 'disk', 'disk.usage', level, `${mount} ${parts.join(', ')} used${breach}${holds}`, {
      mount,
      fs: use.fs,
      source: use.source,
      sizeKb: use.sizeKb,
      usedPct: use.usedPct ?? null,
      inodesPct: use.inodesPct ?? null,
      ...(use.paths.length ? { paths: use.paths } : {}),
      ...thresholds,
    });
  }
  if (out.omitted > 0) {
    const level = levelOf(out.omittedMaxPct, warning, critical);
    f.rated(
      'disk:more',
      'disk',
      'disk.usage',
      level,
      `${out.omitted} more filesystems did not fit the report; the fullest is ${out.omittedMaxPct}% used`,
      {
        omitted: out.omitted,
        omittedMaxPct: out.omittedMaxPct,
        ...thresholds,
      },
    );
  }
  if (out.status === 'unknown' && mounts.size === 0) f.add('disk', 'disk', UNKNOWN_SEVERITY, 'df listed no local filesystem');
}
