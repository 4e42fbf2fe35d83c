import { describe, expect, it } from 'vitest';
import type { ServersConfig } from '../../../functions/core/config/schema.js';
import type { HostResult } from '../../../functions/remote/port.js';
import { findingsForGroup, findingsForHost } from '../../../functions/ssm-checks/findings.js';
import { readJsonLine } from '../../../functions/ssm-checks/host-report.js';
import { patternSlug } from '../../../functions/ssm-checks/security/parse.js';
import { byCheck, configWithServers } from './helpers.js';

const servers = (raw: Record<string, unknown>): ServersConfig => configWithServers(raw).targets.web!.servers!;
const ok = (json: unknown, extra: Partial<HostResult> = {}): HostResult => ({
  host: 'i-01',
  name: 'web-1',
  status: 'success',
  stdout: `${JSON.stringify(json)}\ndetail\n`,
  stderr: '',
  ...extra,
});

const disk = (entries: unknown[], extra: Record<string, unknown> = {}) => ({
  v: 1,
  job: 'disk',
  host: 'web-1',
  status: 'ok',
  entries,
  omitted: 0,
  omittedMaxPct: 0,
  ...extra,
});
const fs = (mount: string, usedPct: number | null, inodesPct: number | null = 1) => ({
  mount,
  fs: 'ext4',
  source: `/dev/${mount.length}`,
  sizeKb: 1000,
  usedPct,
  inodesPct,
});

/** The findings of one host whose security JSON line carries `overrides`. */
const securityFindings = (config: ServersConfig, overrides: Record<string, unknown>) =>
  findingsForHost('security', 'web', config, ok(security(overrides)));
const security = (overrides: Record<string, unknown> = {}) => ({
  v: 1,
  job: 'security',
  host: 'web-1',
  now: 1,
  failedLogins: { status: 'ok', source: 'journald', window: 3600, count: 0, undated: 0, top: [] },
  sshd: { status: 'ok', permitRootLogin: 'no', passwordAuthentication: 'no' },
  uid0: { status: 'ok', count: 0, accounts: [] },
  ports: { status: 'ok', listening: [22], checked: false },
  updates: { status: 'ok', manager: 'apt', pending: 0, packages: [], cacheAgeHours: 3 },
  envFiles: { status: 'skipped' },
  logPatterns: [],
  logPatternsOmitted: 0,
  ...overrides,
});

describe('readJsonLine', () => {
  it('reads the first JSON line, after any banner a login profile printed', () => {
    expect(readJsonLine('Welcome to Ubuntu\n{"v":1}\nmore\n')).toEqual({ ok: true, value: { v: 1 } });
  });
  it('names an empty output, a missing line, a cut line and a broken line apart', () => {
    expect(readJsonLine('')).toEqual({ ok: false, reason: 'empty output' });
    expect(readJsonLine('bash: error\n')).toEqual({ ok: false, reason: 'no JSON line in the output' });
    expect(readJsonLine('{"v":1,"entries":[{"mount"')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('output truncated inside the JSON line'),
    });
    expect(readJsonLine('{"v":1,,}\nmore')).toMatchObject({ ok: false, reason: expect.stringContaining('unparsable JSON line') });
    expect(readJsonLine('{"v":1,,}\nmore', true)).toMatchObject({ ok: false, reason: expect.stringContaining('truncated') });
  });
});

describe('disk findings', () => {
  const thresholds = servers({ disk: { warning: 80, critical: 90, paths: ['/var/lib/app'] } });

  it('rates space and inode use at or over the thresholds, the worse of the two', () => {
    const findings = findingsForHost(
      'disk',
      'web',
      thresholds,
      ok(disk([fs('/', 79), fs('/var', 80), fs('/data', 90), fs('/srv', 10, 95), fs('/boot', null, null)])),
    );
    expect(byCheck(findings, 'disk:/').severity).toBe('ok');
    expect(byCheck(findings, 'disk:/var').severity).toBe('medium');
    expect(byCheck(findings, 'disk:/data').severity).toBe('high');
    expect(byCheck(findings, 'disk:/srv')).toMatchObject({
      severity: 'high',
      summary: 'web-1 (i-01): /srv 10% space, 95% inodes used (critical at 90%, inodes)',
    });
    expect(byCheck(findings, 'disk:/boot').severity).toBe('ok');
    expect(byCheck(findings, 'run')).toMatchObject({ severity: 'ok', kind: 'server', check: 'i-01/run' });
    expect(findings.every((f) => f.target === 'web' && f.check.startsWith('i-01/'))).toBe(true);
  });

  it('folds a configured path into its filesystem, and flags one that is missing', () => {
    const findings = findingsForHost(
      'disk',
      'web',
      thresholds,
      ok(disk([fs('/', 50), { ...fs('/', 50), path: '/var/lib/app' }, { path: '/opt/gone', status: 'missing' }])),
    );
    expect(findings.filter((f) => f.check === 'i-01/disk:/')).toHaveLength(1);
    expect(byCheck(findings, 'disk:/').observed).toMatchObject({ paths: ['/var/lib/app'] });
    expect(byCheck(findings, 'disk:/opt/gone')).toMatchObject({ severity: 'medium', summary: expect.stringContaining('does not exist') });
  });

  it("uses the runbooks' 80/90 when the target sets no disk thresholds", () => {
    const findings = findingsForHost('disk', 'web', servers({}), ok(disk([fs('/', 85), fs('/var', 91)])));
    expect(byCheck(findings, 'disk:/').severity).toBe('medium');
    expect(byCheck(findings, 'disk:/var').severity).toBe('high');
  });

  it('reports filesystems that did not fit the JSON line by the fullest of them', () => {
    const findings = findingsForHost('disk', 'web', thresholds, ok(disk([fs('/', 95)], { omitted: 7, omittedMaxPct: 83 })));
    expect(byCheck(findings, 'disk:more')).toMatchObject({
      severity: 'medium',
      observed: expect.objectContaining({ omitted: 7, omittedMaxPct: 83 }),
    });
  });

  it('an empty df is Low "unknown", never a pass', () => {
    const findings = findingsForHost('disk', 'web', thresholds, ok(disk([], { status: 'unknown' })));
    expect(byCheck(findings, 'disk')).toMatchObject({ severity: 'low', summary: expect.stringContaining('df listed no local filesystem') });
  });
});

describe('security findings', () => {
  const full = servers({
    security: {
      failedLogins: { warning: 10, critical: 20 },
      logPatterns: [
        { path: '/var/log/api.log', pattern: 'Auth rate limit exceeded', warning: 10, critical: 50 },
        { path: '/var/log/api.log', pattern: '認証失敗', warning: 1 },
        { path: '/var/log/gone.log', pattern: 'x', warning: 1 },
      ],
      allowedPorts: [22, 443],
      appPaths: ['/opt/app'],
    },
  });

  it('rates counts, risky settings and exposures by the matrix', () => {
    const findings = securityFindings(full, {
      failedLogins: { status: 'ok', source: 'journald', window: 3600, count: 25, undated: 0, top: [{ ip: '203.0.113.9', count: 20 }] },
      sshd: { status: 'ok', permitRootLogin: 'yes', passwordAuthentication: 'yes' },
      uid0: { status: 'ok', count: 1, accounts: ['toor'] },
      ports: { status: 'ok', listening: [22, 443, 5432], checked: true, notAllowed: [5432], notAllowedCount: 1 },
      updates: { status: 'ok', manager: 'apt', pending: 2, packages: ['openssl', 'libssl3'], cacheAgeHours: 5 },
      envFiles: { status: 'ok', checked: 1, count: 1, files: ['/opt/app/.env'], missing: [] },
      logPatterns: [
        { i: 0, window: 3600, status: 'ok', count: 12, undated: 0 },
        { i: 1, window: 3600, status: 'ok', count: 0, undated: 4 },
        { i: 2, window: 3600, status: 'missing' },
      ],
    });
    expect(byCheck(findings, 'failed-logins')).toMatchObject({
      severity: 'high',
      summary: expect.stringContaining('25 failed SSH logins in the last 1h (warning 10, critical 20); most from 203.0.113.9 (20)'),
    });
    expect(byCheck(findings, 'sshd')).toMatchObject({
      severity: 'medium',
      summary: expect.stringContaining('PermitRootLogin yes, PasswordAuthentication yes'),
    });
    expect(byCheck(findings, 'uid0')).toMatchObject({ severity: 'medium', kind: 'security' });
    expect(byCheck(findings, 'ports')).toMatchObject({ severity: 'medium', summary: expect.stringContaining('5432') });
    expect(byCheck(findings, 'security-updates')).toMatchObject({
      severity: 'medium',
      summary: expect.stringContaining('2 pending security updates'),
    });
    expect(byCheck(findings, 'env-files')).toMatchObject({ severity: 'medium' });
    expect(byCheck(findings, 'log:/var/log/api.log:Auth-rate-limit-exceeded')).toMatchObject({
      severity: 'medium',
      observed: expect.objectContaining({ count: 12 }),
    });
    expect(byCheck(findings, `log:/var/log/api.log:${patternSlug('認証失敗')}`)).toMatchObject({
      severity: 'low',
      summary: expect.stringContaining('no recognizable timestamp'),
    });
    expect(byCheck(findings, 'log:/var/log/gone.log:x')).toMatchObject({ severity: 'medium', summary: expect.stringContaining('missing') });
  });

  it('a check that could not run is Low, never a pass', () => {
    const findings = securityFindings(full, {
      failedLogins: { status: 'unknown', window: 3600, reason: 'no readable sshd log' },
      sshd: { status: 'unknown', reason: 'sshd not found' },
      uid0: { status: 'unknown', reason: '/etc/passwd is not readable' },
      ports: { status: 'unknown', reason: 'neither ss nor netstat found' },
      updates: { status: 'unknown', reason: 'no supported package manager' },
      logPatterns: [{ i: 0, window: 3600, status: 'ok', count: 0, undated: 0 }],
      logPatternsOmitted: 2,
    });
    for (const check of ['failed-logins', 'sshd', 'uid0', 'ports', 'security-updates'])
      expect(byCheck(findings, check).severity, check).toBe('low');
    expect(findings.filter((f) => f.check.includes('/log:') && f.severity === 'low')).toHaveLength(2);
  });

  it('judges only what is configured: no ports or .env verdict without allowedPorts or appPaths', () => {
    const findings = securityFindings(servers({}), { failedLogins: { status: 'ok', window: 3600, count: 500 } });
    expect(findings.some((f) => f.check.endsWith('/ports') || f.check.endsWith('/env-files'))).toBe(false);
    // Counted and shown, but no thresholds were set.
    expect(byCheck(findings, 'failed-logins')).toMatchObject({ severity: 'ok', observed: expect.objectContaining({ count: 500 }) });
  });

  it('stale or missing package lists make "no pending updates" Low', () => {
    const updatesFinding = (manager: string, cacheAgeHours: number | null) =>
      byCheck(
        securityFindings(servers({}), { updates: { status: 'ok', manager, pending: 0, packages: [], cacheAgeHours } }),
        'security-updates',
      );
    expect(updatesFinding('apt', 24 * 30)).toMatchObject({ severity: 'low', summary: expect.stringContaining('30 days old') });
    expect(updatesFinding('apt', null).severity).toBe('low');
    expect(updatesFinding('dnf', null).severity).toBe('ok');
  });
});

describe('host and group findings', () => {
  it('an unreachable host is one High server finding', () => {
    const findings = findingsForHost('disk', 'web', servers({}), {
      host: 'i-02',
      status: 'unreachable',
      detail: 'SSM ping status ConnectionLost',
      stdout: '',
      stderr: '',
    });
    expect(findings).toEqual([
      {
        target: 'web',
        check: 'i-02/run',
        kind: 'server',
        severity: 'high',
        summary: 'i-02: unreachable: SSM ping status ConnectionLost',
        observed: { host: 'i-02', job: 'disk', status: 'unreachable' },
      },
    ]);
  });

  it('a failed run that still printed its JSON line: High for the run, and the measurements too', () => {
    const findings = findingsForHost('disk', 'web', servers({}), ok(disk([fs('/', 95)]), { status: 'failed', detail: 'exit status 1' }));
    expect(byCheck(findings, 'run')).toMatchObject({ severity: 'high', summary: expect.stringContaining('exit status 1') });
    expect(byCheck(findings, 'disk:/').severity).toBe('high');
  });

  it('output of the wrong shape is High, not ignored', () => {
    const findings = findingsForHost('disk', 'web', servers({}), ok({ v: 1, job: 'disk', host: 'x', entries: 'nope' }));
    expect(findings).toEqual([
      expect.objectContaining({ check: 'i-01/run', severity: 'high', summary: expect.stringContaining('unexpected disk output') }),
    ]);
  });

  it('a group without any instance is High', () => {
    const findings = findingsForGroup('disk', { target: 'web', tags: { App: 'web' } }, servers({}), []);
    expect(findings).toEqual([expect.objectContaining({ target: 'web', check: 'instances', kind: 'server', severity: 'high' })]);
  });
});

describe('patternSlug', () => {
  it('keeps plain patterns readable and keeps others apart with a hash', () => {
    expect(patternSlug('Auth rate limit exceeded')).toBe('Auth-rate-limit-exceeded');
    expect(patternSlug('認証失敗')).toMatch(/^[0-9a-f]{6}$/);
    expect(patternSlug('認証失敗')).not.toBe(patternSlug('認証成功'));
    const long = 'x'.repeat(100);
    expect(patternSlug(long)).toMatch(/^x{40}~[0-9a-f]{6}$/);
    expect(patternSlug(long)).not.toBe(patternSlug(`${long}y`));
    expect(patternSlug('a/b')).not.toBe(patternSlug('a:b'));
  });
});
