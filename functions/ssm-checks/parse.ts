import { z } from 'zod';
import { durationMs, formatDuration } from '../core/config/duration.js';
import type { ServersConfig } from '../core/config/schema.js';
import type { CheckKind, Finding } from '../core/domain/finding.js';
import { classify, type Level, type MatrixRule, type Severity } from '../core/domain/severity.js';
import type { HostResult, ServerJob, TargetGroup } from './executor.js';

/** The scripts keep their JSON line under this, so SSM's shortest output cap still holds it whole. */
export const JSON_LINE_LIMIT = 2500;

/** Thresholds when a target's servers set no `disk` block (the runbooks' 80 % warning). */
export const DEFAULT_DISK = { warning: 80, critical: 90 } as const;

/** A check that could not run (a tool is missing, a log is unreadable): not a pass, not an incident. */
export const UNKNOWN_SEVERITY: Severity = 'low';

/** Apt package lists older than this make "no pending security updates" unconvincing. */
const STALE_PACKAGE_LISTS_HOURS = 7 * 24;

export type JsonLine = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** The first line of stdout that starts with `{`, parsed. A cut line is reported as truncated. */
export function readJsonLine(stdout: string, truncated = false): JsonLine {
  const lines = stdout.replace(/^\uFEFF/, '').split('\n');
  const index = lines.findIndex((line) => line.trimStart().startsWith('{'));
  if (index < 0) return { ok: false, reason: stdout.trim() ? 'no JSON line in the output' : 'empty output' };
  const line = lines[index]!.trim();
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch {
    // Cut at the transport's cap: nothing follows, or only the service's own "Output truncated" note.
    const cut = truncated || index === lines.length - 1 || /output truncated/i.test(lines[index + 1] ?? '');
    return cut
      ? { ok: false, reason: `output truncated inside the JSON line (${line.length} characters arrived)` }
      : { ok: false, reason: `unparsable JSON line: ${line.slice(0, 80)}` };
  }
}

const invalidParams = z.array(z.object({ param: z.string(), value: z.string() })).optional();
const pct = z.number().nullable().optional();

const errorOutput = z.object({ v: z.literal(1), error: z.string(), host: z.string().optional() });

const diskOutput = z.object({
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

const part = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ status: z.enum(['ok', 'unknown', 'skipped']), reason: z.string().optional(), ...shape });

const securityOutput = z.object({
  v: z.literal(1),
  job: z.literal('security'),
  host: z.string(),
  invalid: invalidParams,
  failedLogins: part({
    source: z.string().optional(),
    window: z.number(),
    count: z.number().optional(),
    undated: z.number().optional(),
    top: z.array(z.object({ ip: z.string(), count: z.number() })).optional(),
  }),
  sshd: part({ permitRootLogin: z.string().optional(), passwordAuthentication: z.string().optional() }),
  uid0: part({ count: z.number().optional(), accounts: z.array(z.string()).optional() }),
  ports: part({
    listening: z.array(z.number()).optional(),
    checked: z.boolean().optional(),
    notAllowed: z.array(z.number()).optional(),
    notAllowedCount: z.number().optional(),
  }),
  updates: part({
    manager: z.string().optional(),
    pending: z.number().optional(),
    packages: z.array(z.string()).optional(),
    cacheAgeHours: z.number().nullable().optional(),
  }),
  envFiles: part({
    checked: z.number().optional(),
    count: z.number().optional(),
    files: z.array(z.string()).optional(),
    missing: z.array(z.string()).optional(),
  }),
  logPatterns: z.array(
    z.object({
      i: z.number(),
      window: z.number().optional(),
      status: z.enum(['ok', 'missing', 'unreadable', 'invalid']),
      count: z.number().optional(),
      undated: z.number().optional(),
      path: z.string().optional(),
      pattern: z.string().optional(),
    }),
  ),
  logPatternsOmitted: z.number(),
});

export type DiskOutput = z.output<typeof diskOutput>;
export type SecurityOutput = z.output<typeof securityOutput>;

function levelOf(value: number | null | undefined, warning: number | undefined, critical: number | undefined): Level {
  if (value === null || value === undefined) return 'ok';
  if (critical !== undefined && value >= critical) return 'critical';
  if (warning !== undefined && value >= warning) return 'warning';
  return 'ok';
}

function worse(a: Level, b: Level): Level {
  const order: Level[] = ['ok', 'warning', 'critical'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

function list(items: readonly (string | number)[], total = items.length): string {
  const shown = items.slice(0, 5).join(', ');
  return total > 5 ? `${shown} and ${total - 5} more` : shown;
}

/** A stable, readable check-name part for a log pattern; a short hash keeps cut or non-ASCII patterns apart. */
export function patternSlug(pattern: string): string {
  const slug = pattern.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  const short = slug.slice(0, 40);
  // Plain words keep a plain name; a cut, or characters the slug drops, add a hash so names stay apart.
  if (short === slug && /^[A-Za-z0-9._ -]+$/.test(pattern) && short) return short;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(pattern, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return `${short}${short ? '~' : ''}${hash.toString(16).padStart(8, '0').slice(0, 6)}`;
}

/** Builds the findings of one host, naming every check `<host>/<check>` so several servers never share an alert key. */
class HostFindings {
  readonly findings: Finding[] = [];
  readonly label: string;

  constructor(
    readonly target: string,
    readonly result: Pick<HostResult, 'host' | 'name'>,
  ) {
    this.label = result.name && result.name !== result.host ? `${result.name} (${result.host})` : result.host;
  }

  add(check: string, kind: CheckKind, severity: Severity, summary: string, observed: Record<string, unknown> = {}): void {
    this.findings.push({
      target: this.target,
      check: `${this.result.host}/${check}`,
      kind,
      severity,
      summary: `${this.label}: ${summary}`,
      observed: { host: this.result.host, ...(this.result.name ? { name: this.result.name } : {}), ...observed },
    });
  }

  rated(check: string, kind: CheckKind, rule: MatrixRule, level: Level, summary: string, observed?: Record<string, unknown>): void {
    this.add(check, kind, classify(rule, level), summary, observed);
  }
}

function addDiskFindings(out: DiskOutput, servers: ServersConfig, f: HostFindings): void {
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

function addSecurityFindings(out: SecurityOutput, servers: ServersConfig, f: HostFindings): void {
  const security = servers.security;

  const logins = out.failedLogins;
  if (logins.status !== 'ok') {
    f.add('failed-logins', 'security', UNKNOWN_SEVERITY, `could not count failed SSH logins: ${logins.reason ?? 'unknown reason'}`);
  } else {
    const t = security?.failedLogins;
    const count = logins.count ?? 0;
    const level = levelOf(count, t?.warning, t?.critical);
    const top = (logins.top ?? []).map((s) => `${s.ip} (${s.count})`);
    const limits = t ? ` (warning ${t.warning}${t.critical !== undefined ? `, critical ${t.critical}` : ''})` : '';
    f.rated(
      'failed-logins',
      'security',
      'security.count',
      level,
      `${count} failed SSH logins in the last ${formatDuration(logins.window * 1000)}${limits}${top.length ? `; most from ${top.join(', ')}` : ''}`,
      {
        count,
        windowSeconds: logins.window,
        source: logins.source,
        top: logins.top ?? [],
        undated: logins.undated ?? 0,
        warning: t?.warning,
        critical: t?.critical,
      },
    );
  }

  const reported = new Map(out.logPatterns.map((p) => [p.i, p]));
  for (const [i, p] of (security?.logPatterns ?? []).entries()) {
    const check = `log:${p.path}:${patternSlug(p.pattern)}`;
    const what = `"${p.pattern}" in ${p.path}`;
    const entry = reported.get(i);
    const observed = { path: p.path, pattern: p.pattern, window: p.window, warning: p.warning, critical: p.critical };
    if (!entry) {
      f.add(check, 'security', UNKNOWN_SEVERITY, `${what}: not in the report (${out.logPatternsOmitted} patterns did not fit)`, observed);
    } else if (entry.status === 'missing' || entry.status === 'unreadable') {
      f.rated(
        check,
        'security',
        'security.count',
        'warning',
        `${what}: the log file is ${entry.status === 'missing' ? 'missing' : 'not readable'}`,
        observed,
      );
    } else if (entry.status === 'invalid') {
      f.rated(check, 'server', 'server.unreachable', 'critical', `${what}: the script rejected the pattern's parameter`, observed);
    } else {
      const count = entry.count ?? 0;
      const undated = entry.undated ?? 0;
      if (count === 0 && undated > 0) {
        f.add(
          check,
          'security',
          UNKNOWN_SEVERITY,
          `${what}: ${undated} matching lines carry no recognizable timestamp, so none can be placed in the window`,
          { ...observed, count, undated },
        );
      } else {
        const level = levelOf(count, p.warning, p.critical);
        f.rated(check, 'security', 'security.count', level, `${count} × ${what} in the last ${p.window}`, {
          ...observed,
          count,
          undated,
          windowMs: durationMs(p.window),
        });
      }
    }
  }

  const sshd = out.sshd;
  if (sshd.status !== 'ok') {
    f.add('sshd', 'security', UNKNOWN_SEVERITY, `could not read sshd settings: ${sshd.reason ?? 'unknown reason'}`);
  } else {
    const risky = [
      ...(sshd.permitRootLogin === 'yes' ? ['PermitRootLogin yes'] : []),
      ...(sshd.passwordAuthentication === 'yes' ? ['PasswordAuthentication yes'] : []),
    ];
    f.rated(
      'sshd',
      'security',
      'security.config',
      risky.length ? 'warning' : 'ok',
      risky.length
        ? `risky sshd settings: ${risky.join(', ')}`
        : `sshd settings ok (PermitRootLogin ${sshd.permitRootLogin}, PasswordAuthentication ${sshd.passwordAuthentication})`,
      {
        permitRootLogin: sshd.permitRootLogin,
        passwordAuthentication: sshd.passwordAuthentication,
      },
    );
  }

  const uid0 = out.uid0;
  if (uid0.status !== 'ok') f.add('uid0', 'security', UNKNOWN_SEVERITY, `could not list accounts: ${uid0.reason ?? 'unknown reason'}`);
  else {
    const accounts = uid0.accounts ?? [];
    const count = uid0.count ?? accounts.length;
    f.rated(
      'uid0',
      'security',
      'security.config',
      count > 0 ? 'warning' : 'ok',
      count > 0 ? `accounts with UID 0 besides root: ${list(accounts, count)}` : 'no account besides root has UID 0',
      { count, accounts },
    );
  }

  if (security?.allowedPorts) {
    const ports = out.ports;
    if (ports.status !== 'ok' || !ports.checked)
      f.add('ports', 'security', UNKNOWN_SEVERITY, `could not list listening ports: ${ports.reason ?? 'not checked'}`);
    else {
      const extra = ports.notAllowed ?? [];
      const count = ports.notAllowedCount ?? extra.length;
      f.rated(
        'ports',
        'security',
        'security.config',
        count > 0 ? 'warning' : 'ok',
        count > 0
          ? `TCP ports listening but not allowed: ${list(extra, count)}`
          : `only allowed TCP ports listen (${list(ports.listening ?? [])})`,
        {
          listening: ports.listening ?? [],
          notAllowed: extra,
          allowed: security.allowedPorts,
        },
      );
    }
  }

  const updates = out.updates;
  if (updates.status !== 'ok')
    f.add('security-updates', 'security', UNKNOWN_SEVERITY, `could not read pending updates: ${updates.reason ?? 'unknown reason'}`);
  else {
    const pending = updates.pending ?? 0;
    const packages = updates.packages ?? [];
    const age = updates.cacheAgeHours;
    const observed = { pending, packages, manager: updates.manager, cacheAgeHours: age ?? null };
    if (pending > 0)
      f.rated(
        'security-updates',
        'security',
        'security.config',
        'warning',
        `${pending} pending security updates (${list(packages, pending)})`,
        observed,
      );
    else if (updates.manager === 'apt' && (age === null || age === undefined))
      f.add(
        'security-updates',
        'security',
        UNKNOWN_SEVERITY,
        'no apt package lists on the server, so pending updates are unknown',
        observed,
      );
    else if (age !== null && age !== undefined && age > STALE_PACKAGE_LISTS_HOURS)
      f.add(
        'security-updates',
        'security',
        UNKNOWN_SEVERITY,
        `no pending security updates in package lists ${Math.floor(age / 24)} days old (nothing refreshes them)`,
        observed,
      );
    else f.rated('security-updates', 'security', 'security.config', 'ok', `no pending security updates (${updates.manager})`, observed);
  }

  const env = out.envFiles;
  if (env.status !== 'skipped') {
    const files = env.files ?? [];
    const count = env.count ?? files.length;
    const missing = env.missing ?? [];
    const observed = { files, count, missing };
    if (count > 0)
      f.rated('env-files', 'security', 'security.config', 'warning', `world-readable .env files: ${list(files, count)}`, observed);
    else if (missing.length) f.add('env-files', 'security', UNKNOWN_SEVERITY, `application paths missing: ${list(missing)}`, observed);
    else f.rated('env-files', 'security', 'security.config', 'ok', 'no world-readable .env file', observed);
  }
}

function describeInvalid(invalid: NonNullable<DiskOutput['invalid']>): string {
  return invalid.map((p) => `${p.param}=${JSON.stringify(p.value)}`).join(', ');
}

/**
 * The findings of one host's run: `<host>/run` (kind server: did the script run and report?)
 * plus, when it reported, one finding per filesystem or security check.
 */
export function findingsForHost(job: ServerJob, target: string, servers: ServersConfig, result: HostResult): Finding[] {
  const f = new HostFindings(target, result);
  const unreachable = (summary: string, observed: Record<string, unknown> = {}) =>
    f.rated('run', 'server', 'server.unreachable', 'critical', summary, { job, status: result.status, ...observed });

  if (result.status === 'unreachable') {
    unreachable(`unreachable: ${result.detail ?? 'no detail'}`);
    return f.findings;
  }
  const line = readJsonLine(result.stdout, result.outputTruncated);
  const failure = result.status === 'failed' ? `${job} check failed: ${result.detail ?? 'no detail'}` : undefined;
  if (!line.ok) {
    unreachable(`${failure ?? `${job} check gave no result`}; ${line.reason}`, { stderr: result.stderr.slice(0, 300) });
    return f.findings;
  }
  const error = errorOutput.safeParse(line.value);
  if (error.success) {
    unreachable(`${job} check could not run: ${error.data.error}`);
    return f.findings;
  }
  const parsed = job === 'disk' ? diskOutput.safeParse(line.value) : securityOutput.safeParse(line.value);
  if (!parsed.success) {
    unreachable(
      `unexpected ${job} output: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
    return f.findings;
  }
  const invalid = parsed.data.invalid ?? [];
  if (failure) unreachable(failure);
  else if (invalid.length) unreachable(`the script rejected parameters: ${describeInvalid(invalid)}`, { invalid });
  else f.add('run', 'server', 'ok', `${job} check ran`, { job, status: result.status, hostname: parsed.data.host });

  if (parsed.data.job === 'disk') addDiskFindings(parsed.data, servers, f);
  else addSecurityFindings(parsed.data, servers, f);
  return f.findings;
}

/**
 * The findings of one target group: one `instances` finding (are there servers to check at all?)
 * plus every host's findings.
 */
export function findingsForGroup(job: ServerJob, group: TargetGroup, servers: ServersConfig, results: readonly HostResult[]): Finding[] {
  const tags = Object.entries(group.tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const reached = results.filter((r) => r.status !== 'unreachable').length;
  const instances: Finding =
    results.length === 0
      ? {
          target: group.target,
          check: 'instances',
          kind: 'server',
          severity: classify('server.unreachable', 'critical'),
          summary: `no managed instance carries the tags ${tags}: nothing was checked`,
          observed: { job, tags: group.tags, hosts: 0 },
        }
      : {
          target: group.target,
          check: 'instances',
          kind: 'server',
          severity: 'ok',
          summary: `${results.length} instances carry the tags ${tags}; ${reached} ran the ${job} check`,
          observed: { job, tags: group.tags, hosts: results.length, reached },
        };
  return [instances, ...results.flatMap((r) => findingsForHost(job, group.target, servers, r))];
}
