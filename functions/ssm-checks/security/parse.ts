import { z } from 'zod';
import { durationMs, formatDuration } from '../../core/config/duration.js';
import type { ServersConfig } from '../../core/config/schema.js';
import { type HostFindings, invalidParams, levelOf, list, UNKNOWN_SEVERITY } from '../host-report.js';

/** Apt package lists older than this make "no pending security updates" unconvincing. */
const STALE_PACKAGE_LISTS_HOURS = 7 * 24;

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

const part = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ status: z.enum(['ok', 'unknown', 'skipped']), reason: z.string().optional(), ...shape });

export const securityOutput = z.object({
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

export type SecurityOutput = z.output<typeof securityOutput>;

export function addSecurityFindings(out: SecurityOutput, servers: ServersConfig, f: HostFindings): void {
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
      `${count} failed SSH logins in the last ` +
        `${formatDuration(logins.window * 1000)}${limits}${top.length ? `; most from ${top.join(', ')}` : ''}`,
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
    // A regular expression gets a name of its own: the same text as a fixed string counts other lines.
    const check = `log:${p.path}:${patternSlug(p.regex ? `re:${p.pattern}` : p.pattern)}`;
    const what = p.regex ? `lines matching /${p.pattern}/ in ${p.path}` : `"${p.pattern}" in ${p.path}`;
    const entry = reported.get(i);
    const observed = {
      path: p.path,
      pattern: p.pattern,
      ...(p.regex ? { regex: true } : {}),
      window: p.window,
      warning: p.warning,
      critical: p.critical,
    };
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
