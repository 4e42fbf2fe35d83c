import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBash } from '../../../functions/remote/local-bash.js';
import { runScript } from '../../../functions/remote/port.js';
import { DISK_SCRIPT } from '../../../functions/ssm-checks/disk/parameters.js';
import { findingsForHost } from '../../../functions/ssm-checks/findings.js';
import { readJsonLine } from '../../../functions/ssm-checks/host-report.js';
import { runServerChecks } from '../../../functions/ssm-checks/run-server-checks.js';
import { SECURITY_SCRIPT } from '../../../functions/ssm-checks/security/parameters.js';

import { assembledScript, byCheck, configWithServers, fakeAptGet, fakeTool, scratchDir, syslogTime } from './helpers.js';

/** The script as its document carries it (lib/common.sh in front), as a file to run directly. */
const assembled = scratchDir('autopilot-assembled-');
afterAll(() => assembled.cleanup());
const scriptPath = (job: 'disk' | 'security') => assembledScript(job === 'disk' ? DISK_SCRIPT : SECURITY_SCRIPT, assembled.dir);

const execFile = promisify(execFileCb);
const HOST = 'test-host';
const isRoot = process.getuid?.() === 0;

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('disk.sh on real filesystems', () => {
  const scratch = scratchDir();
  const mounts: string[] = [];
  let loopError: string | undefined;

  /** A fresh ext4 image of `sizeMb`, loop-mounted under the scratch dir. */
  function mountExt4(name: string, sizeMb: number, mkfsArgs: string[] = []): string {
    const image = join(scratch.dir, `${name}.img`);
    const mountPoint = join(scratch.dir, name);
    mkdirSync(mountPoint);
    execFileSync('truncate', ['-s', `${sizeMb}M`, image]);
    execFileSync('mkfs.ext4', ['-q', '-F', ...mkfsArgs, image]);
    execFileSync('mount', ['-o', 'loop', image, mountPoint]);
    mounts.push(mountPoint);
    return mountPoint;
  }

  function availableKb(path: string): number {
    const line = execFileSync('df', ['-Pk', path], { encoding: 'utf8' }).trim().split('\n')[1]!;
    return Number(line.split(/\s+/)[3]);
  }

  beforeAll(() => {
    if (!isRoot) return;
    try {
      mountExt4('probe', 8);
    } catch (error) {
      loopError = (error as Error).message.split('\n')[0];
    }
  });

  afterAll(() => {
    for (const m of mounts.reverse()) {
      try {
        execFileSync('umount', [m]);
      } catch {
        // already gone
      }
    }
    scratch.cleanup();
  });

  it('reports a small ext4 filesystem filled past 90% as High', async (ctx) => {
    if (!isRoot) return ctx.skip('mounting a test filesystem needs root');
    if (loopError) return ctx.skip(`loop mounts are impossible here: ${loopError}`);
    const full = mountExt4('full', 16);
    writeFileSync(join(full, 'ballast'), Buffer.alloc((availableKb(full) - 64) * 1024));

    const config = configWithServers({ disk: { warning: 80, critical: 90, paths: [full] } });
    const findings = await runServerChecks('disk', config, { remote: new LocalBash({ host: HOST }) });

    const disk = byCheck(findings, `disk:${full}`);
    expect(disk.target).toBe('web');
    expect(disk.check).toBe(`${HOST}/disk:${full}`);
    expect(disk.kind).toBe('disk');
    expect(disk.severity).toBe('high');
    expect(disk.observed).toMatchObject({ mount: full, fs: 'ext4', paths: [full], critical: 90 });
    expect(disk.observed!.usedPct as number).toBeGreaterThanOrEqual(90);
    expect(disk.summary).toContain('critical at 90%');
    expect(byCheck(findings, 'run').severity).toBe('ok');
    expect(byCheck(findings, 'instances').severity).toBe('ok');
    // The root filesystem is reported too, with its own verdict.
    expect(findings.some((f) => f.check === `${HOST}/disk:/`)).toBe(true);
  });

  it('reports inode exhaustion as High even with free space', async (ctx) => {
    if (!isRoot) return ctx.skip('mounting a test filesystem needs root');
    if (loopError) return ctx.skip(`loop mounts are impossible here: ${loopError}`);
    const fs = mountExt4('inodes', 16, ['-N', '64']);
    for (let i = 0; i < 200; i++) {
      try {
        writeFileSync(join(fs, `f${i}`), '');
      } catch {
        break; // ENOSPC: out of inodes
      }
    }
    const config = configWithServers({ disk: { warning: 80, critical: 95 } });
    const findings = await runServerChecks('disk', config, { remote: new LocalBash({ host: HOST }) });
    const disk = byCheck(findings, `disk:${fs}`);
    expect(disk.severity).toBe('high');
    expect(disk.observed!.inodesPct).toBe(100);
    expect(disk.observed!.usedPct as number).toBeLessThan(80);
    expect(disk.summary).toContain('inodes');
  });

  it('skips tmpfs however full it is, and flags a configured path that does not exist', async (ctx) => {
    if (!isRoot) return ctx.skip('mounting tmpfs needs root');
    const tmp = join(scratch.dir, 'tmpfs');
    mkdirSync(tmp);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'autopilot-test', tmp]);
    mounts.push(tmp);
    try {
      writeFileSync(join(tmp, 'ballast'), Buffer.alloc(2 * 1024 * 1024));
    } catch {
      // full, as intended
    }
    const missing = join(scratch.dir, 'no-such-dir');
    const config = configWithServers({ disk: { warning: 80, critical: 90, paths: [missing] } });
    const findings = await runServerChecks('disk', config, { remote: new LocalBash({ host: HOST }) });
    expect(findings.filter((f) => f.check.includes(tmp))).toEqual([]);
    const gone = byCheck(findings, `disk:${missing}`);
    expect(gone.severity).toBe('medium');
    expect(gone.summary).toContain('does not exist');
  });

  it('runs the same under sh, re-executing itself with bash', async () => {
    const { stdout } = await execFile('sh', [scriptPath('disk')], { env: { ...process.env, SSM_contract: '1', SSM_paths: '' } });
    const line = readJsonLine(stdout);
    expect(line.ok && (line.value as { job: string }).job).toBe('disk');
  });

  it('refuses to guess when the agent passed no parameters (SSM_contract unset): a High finding', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SSM_')));
    const { stdout } = await execFile('bash', [scriptPath('disk')], { env });
    const findings = findingsForHost('disk', 'web', { tags: { App: 'web' } }, { host: HOST, status: 'success', stdout, stderr: '' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: `${HOST}/run`, kind: 'server', severity: 'high' });
    expect(findings[0]!.summary).toContain('SSM Agent 3.3.2746.0');
  });
});

describe('security.sh on fixtures', () => {
  const scratch = scratchDir();
  const now = Math.floor(Date.now() / 1000);
  let apt: string;
  const baseEnv = (extra: Record<string, string> = {}) => ({ AUTOPILOT_NOW: String(now), PATH: `${apt}:${process.env.PATH}`, ...extra });

  beforeAll(() => {
    apt = fakeAptGet(scratch.dir);
  });
  afterAll(() => scratch.cleanup());

  /** 12 failed logins inside the last hour in three timestamp styles, plus noise that must not count. */
  function authLog(timeZone: string): string {
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      const t = (now - 300 - i * 240) * 1000;
      const message =
        `sshd[${1000 + i}]: Failed password for ${i % 2 ? 'root' : 'invalid user admin'} from 203.0.113.${i % 3} port ` +
        `${40000 + i} ssh2`;
      if (i % 3 === 0) lines.push(`${new Date(t).toISOString()} web-1 ${message}`);
      else if (i % 3 === 1) lines.push(`${syslogTime(t, timeZone)} web-1 ${message}`);
      else lines.push(`${new Date(t + 9 * 3600_000).toISOString().replace('Z', '+09:00')} web-1 ${message}`);
    }
    for (let i = 0; i < 5; i++)
      lines.push(
        `${syslogTime((now - 7200 - i * 60) * 1000, timeZone)} web-1 sshd[9]: Failed password for root from 198.51.100.7 port 22 ssh2`,
      );
    lines.push(`${syslogTime((now - 60) * 1000, timeZone)} web-1 sshd[10]: Accepted publickey for deploy from 192.0.2.1 port 22 ssh2`);
    lines.push(`${syslogTime((now - 60) * 1000, timeZone)} web-1 CRON[11]: pam_unix(cron:session): session opened for user root`);
    const file = join(scratch.dir, `auth-${timeZone.replace('/', '-')}.log`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  for (const timeZone of ['UTC', 'Asia/Tokyo']) {
    it(`counts 12 failed logins in the last hour (TZ=${timeZone}) and rates them by the configured thresholds`, async () => {
      const file = authLog(timeZone);
      const env = baseEnv({ AUTOPILOT_AUTH_LOG: file, TZ: timeZone });
      const medium = await runServerChecks(
        'security',
        configWithServers({ security: { failedLogins: { warning: 10, critical: 20, window: '1h' } } }),
        {
          remote: new LocalBash({ host: HOST, env }),
        },
      );
      const logins = byCheck(medium, 'failed-logins');
      expect(logins.observed).toMatchObject({ count: 12, windowSeconds: 3600, source: `file:${file}` });
      expect(logins.severity).toBe('medium');
      expect(logins.summary).toContain('12 failed SSH logins in the last 1h');
      expect(logins.summary).toContain('203.0.113.');

      const high = await runServerChecks('security', configWithServers({ security: { failedLogins: { warning: 5, critical: 10 } } }), {
        remote: new LocalBash({ host: HOST, env }),
      });
      expect(byCheck(high, 'failed-logins').severity).toBe('high');

      const quiet = await runServerChecks('security', configWithServers({ security: { failedLogins: { warning: 13 } } }), {
        remote: new LocalBash({ host: HOST, env }),
      });
      expect(byCheck(quiet, 'failed-logins').severity).toBe('ok');
    });
  }

  it('counts a configured log pattern in its window ("Auth rate limit exceeded" over 10 an hour)', async () => {
    const log = join(scratch.dir, 'api-combined.log');
    const stamp = (s: number) => new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19);
    const lines = [
      ...Array.from({ length: 12 }, (_, i) => `${stamp(now - 60 * (i + 1))} [warn] Auth rate limit exceeded for 10.0.0.${i}`),
      ...Array.from({ length: 8 }, (_, i) => `${stamp(now - 7200 - i)} [warn] Auth rate limit exceeded for 10.0.1.${i}`),
      `${stamp(now - 30)} [info] Too many requests`,
    ];
    writeFileSync(log, `${lines.join('\n')}\n`);
    const config = configWithServers({
      security: { logPatterns: [{ path: log, pattern: 'Auth rate limit exceeded', warning: 10, window: '1h' }] },
    });
    const findings = await runServerChecks('security', config, {
      remote: new LocalBash({ host: HOST, env: baseEnv({ TZ: 'UTC' }) }),
    });
    const pattern = byCheck(findings, `log:${log}:Auth-rate-limit-exceeded`);
    expect(pattern.observed).toMatchObject({ count: 12, pattern: 'Auth rate limit exceeded' });
    expect(pattern.severity).toBe('medium');
  });

  it('counts an extended regular expression (regex: true) in an nginx access log, and the same text as a fixed string', async () => {
    const log = join(scratch.dir, 'access.log');
    // nginx's combined format, its own timestamps ([04/Dec/2026:15:00:00 +0900]) in two zones.
    const clf = (s: number, zone: 'UTC' | 'JST') => {
      const d = new Date((s + (zone === 'JST' ? 9 * 3600 : 0)) * 1000);
      const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
      const pad = (n: number) => String(n).padStart(2, '0');
      const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      return `[${pad(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${time} ${zone === 'JST' ? '+0900' : '+0000'}]`;
    };
    const line = (s: number, status: number, bytes: number, zone: 'UTC' | 'JST' = 'JST') =>
      `203.0.113.7 - - ${clf(s, zone)} "GET /api/v1/stock?page=${s % 7} HTTP/1.1" ${status} ${bytes} "-" "curl/8.5.0"`;
    const lines = [
      ...[500, 502, 503, 504, 509].map((status, i) => line(now - 60 * (i + 1), status, 157)),
      line(now - 400, 502, 0, 'UTC'),
      // Not 50x: other statuses, a 200 whose body was 5000 bytes, a 510, and a 502 two hours ago.
      line(now - 30, 200, 5000),
      line(now - 31, 404, 153),
      line(now - 32, 510, 153),
      line(now - 7200, 502, 157),
    ];
    writeFileSync(log, `${lines.join('\n')}\n`);
    const config = configWithServers({
      security: {
        logPatterns: [
          { path: log, pattern: ' 50[0-9] ', regex: true, warning: 5, critical: 20, window: '1h' },
          { path: log, pattern: ' 50[0-9] ', warning: 1, window: '1h' },
        ],
      },
    });
    const findings = await runServerChecks('security', config, { remote: new LocalBash({ host: HOST, env: baseEnv({ TZ: 'UTC' }) }) });
    const patterns = findings.filter((f) => f.check.startsWith(`${HOST}/log:`));
    expect(patterns).toHaveLength(2);
    const regex = patterns.find((f) => f.observed!.regex === true)!;
    expect(regex.observed).toMatchObject({ count: 6, undated: 0, pattern: ' 50[0-9] ' });
    expect(regex.severity).toBe('medium');
    expect(regex.summary).toContain(`6 × lines matching / 50[0-9] / in ${log} in the last 1h`);
    const fixed = patterns.find((f) => f.observed!.regex === undefined)!;
    expect(fixed.observed).toMatchObject({ count: 0 });
    expect(fixed.severity).toBe('ok');
    expect(regex.check).not.toBe(fixed.check);
  });

  it('rates a fake sshd printing "permitrootlogin yes" Medium, and safe settings ok', async () => {
    const risky = join(scratch.dir, 'risky');
    mkdirSync(risky);
    const riskyBin = fakeTool(risky, 'sshd', 'echo "port 22"; echo "permitrootlogin yes"; echo "passwordauthentication no"');
    const findings = await runServerChecks('security', configWithServers({}), {
      remote: new LocalBash({ host: HOST, env: baseEnv({ PATH: `${riskyBin}:${apt}:${process.env.PATH}` }) }),
    });
    const sshd = byCheck(findings, 'sshd');
    expect(sshd.severity).toBe('medium');
    expect(sshd.summary).toContain('PermitRootLogin yes');
    expect(sshd.summary).not.toContain('PasswordAuthentication yes');

    const safe = join(scratch.dir, 'safe');
    mkdirSync(safe);
    const safeBin = fakeTool(safe, 'sshd', 'echo "permitrootlogin prohibit-password"; echo "passwordauthentication no"');
    const ok = await runServerChecks('security', configWithServers({}), {
      remote: new LocalBash({ host: HOST, env: baseEnv({ PATH: `${safeBin}:${apt}:${process.env.PATH}` }) }),
    });
    expect(byCheck(ok, 'sshd').severity).toBe('ok');

    const broken = join(scratch.dir, 'broken');
    mkdirSync(broken);
    const brokenBin = fakeTool(broken, 'sshd', 'echo "/etc/ssh/sshd_config line 3: Bad configuration option" >&2; exit 255');
    const unknown = await runServerChecks('security', configWithServers({}), {
      remote: new LocalBash({ host: HOST, env: baseEnv({ PATH: `${brokenBin}:${apt}:${process.env.PATH}` }) }),
    });
    expect(byCheck(unknown, 'sshd')).toMatchObject({ severity: 'low' });
    expect(byCheck(unknown, 'sshd').summary).toContain('Bad configuration option');
  });

  it('finds UID 0 accounts, world-readable .env files and pending security updates', async () => {
    const passwd = join(scratch.dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\ndeploy:x:1000:1000::/home/deploy:/bin/bash\n');
    const app = join(scratch.dir, 'app');
    mkdirSync(join(app, 'backend'), { recursive: true });
    mkdirSync(join(app, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(app, 'backend', '.env'), 'DB_PASSWORD=secret\n');
    chmodSync(join(app, 'backend', '.env'), 0o644);
    writeFileSync(join(app, '.env.production'), 'X=1\n');
    chmodSync(join(app, '.env.production'), 0o600);
    writeFileSync(join(app, '.env.example'), 'X=\n');
    chmodSync(join(app, '.env.example'), 0o644);
    writeFileSync(join(app, 'node_modules', 'x', '.env'), 'vendored\n');
    chmodSync(join(app, 'node_modules', 'x', '.env'), 0o644);

    const config = configWithServers({ security: { appPaths: [app] } });
    const findings = await runServerChecks('security', config, {
      remote: new LocalBash({ host: HOST, env: baseEnv({ AUTOPILOT_PASSWD_FILE: passwd }) }),
    });
    expect(byCheck(findings, 'uid0')).toMatchObject({ severity: 'medium', observed: expect.objectContaining({ accounts: ['toor'] }) });
    const env = byCheck(findings, 'env-files');
    expect(env.severity).toBe('medium');
    expect(env.observed).toMatchObject({ files: [join(app, 'backend', '.env')], count: 1 });
    const updates = byCheck(findings, 'security-updates');
    expect(updates.severity).toBe('medium');
    expect(updates.observed).toMatchObject({ pending: 1, packages: ['libssl3'], manager: 'apt' });

    chmodSync(join(app, 'backend', '.env'), 0o600);
    const fixed = await runServerChecks('security', config, {
      remote: new LocalBash({ host: HOST, env: baseEnv({ AUTOPILOT_PASSWD_FILE: passwd }) }),
    });
    expect(byCheck(fixed, 'env-files').severity).toBe('ok');
  });

  it('flags a TCP port listening on all interfaces that is not allowed, and ignores loopback', async (ctx) => {
    if (!hasCommand('ss') && !hasCommand('netstat')) return ctx.skip('neither ss nor netstat is installed');
    const listen = (host: string) =>
      new Promise<Server>((resolve) => {
        const server = createServer();
        server.listen(0, host, () => resolve(server));
      });
    const open = await listen('0.0.0.0');
    const local = await listen('127.0.0.1');
    const openPort = (open.address() as { port: number }).port;
    const localPort = (local.address() as { port: number }).port;
    try {
      const config = configWithServers({ security: { allowedPorts: [22] } });
      const findings = await runServerChecks('security', config, { remote: new LocalBash({ host: HOST, env: baseEnv() }) });
      const ports = byCheck(findings, 'ports');
      expect(ports.severity).toBe('medium');
      expect(ports.observed!.notAllowed).toContain(openPort);
      expect(ports.observed!.listening).not.toContain(localPort);

      const allowed = configWithServers({ security: { allowedPorts: [...(ports.observed!.listening as number[])] } });
      const ok = await runServerChecks('security', allowed, { remote: new LocalBash({ host: HOST, env: baseEnv() }) });
      expect(byCheck(ok, 'ports').severity).toBe('ok');
    } finally {
      open.close();
      local.close();
    }
  });

  it('runs the same under sh, re-executing itself with bash', async () => {
    const { stdout } = await execFile('sh', [scriptPath('security')], { env: { ...process.env, ...baseEnv(), SSM_contract: '1' } });
    const line = readJsonLine(stdout);
    expect(line.ok && (line.value as { job: string }).job).toBe('security');
    expect(stdout.split('\n')[0]!.length).toBeLessThan(2500);
  });
});

describe('values full of shell metacharacters reach the scripts as data', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.cleanup());
  const marker = (n: number) => join(scratch.dir, `pwned-${n}`);
  const markers = () => Array.from({ length: 12 }, (_, i) => marker(i)).filter((m) => existsSync(m));

  it('disk.sh: raw parameters run nothing and are echoed verbatim', async () => {
    const missingPath = `/nonexistent;$(touch ${marker(0)})\n\`touch ${marker(1)}\``;
    const relative = `relative; touch ${marker(2)} && echo "$HOME" | tee ${marker(3)}`;
    const [result] = await runScript(
      new LocalBash({ host: HOST }),
      DISK_SCRIPT,
      { contract: '1', paths: `${missingPath}:${relative}` },
      { target: 'web', tags: {} },
    );
    expect(markers()).toEqual([]);
    const line = readJsonLine(result!.stdout);
    expect(line.ok).toBe(true);
    const out = (line as { value: { entries: Array<{ path?: string; status?: string }>; invalid: Array<{ value: string }> } }).value;
    expect(out.entries).toContainEqual({ path: missingPath, status: 'missing' });
    expect(out.invalid).toEqual([{ param: 'paths', value: relative }]);
  });

  it('security.sh: raw parameters run nothing and are echoed verbatim', async () => {
    const window = `$(touch ${marker(4)})`;
    const ports = `22;touch ${marker(5)}`;
    const appPath = `\`touch ${marker(6)}\``;
    const badPattern = `60 /var/log/x $(touch ${marker(7)})`;
    const [result] = await runScript(
      new LocalBash({
        host: HOST,
        env: { AUTOPILOT_AUTH_LOG: '/dev/null', PATH: `${fakeAptGet(scratch.dir, [])}:${process.env.PATH}` },
      }),
      SECURITY_SCRIPT,
      {
        contract: '1',
        failedLoginWindow: window,
        allowedPorts: ports,
        appPaths: `${appPath}:/tmp/$(touch ${marker(8)})`,
        logPatterns: `${badPattern};3600 /x ${'$(id)'}`,
      },
      { target: 'web', tags: {} },
    );
    expect(markers()).toEqual([]);
    const line = readJsonLine(result!.stdout);
    expect(line.ok).toBe(true);
    const invalid = (line as { value: { invalid: Array<{ param: string; value: string }> } }).value.invalid;
    expect(invalid).toEqual(
      expect.arrayContaining([
        { param: 'failedLoginWindow', value: window },
        { param: 'allowedPorts', value: ports },
        { param: 'appPaths', value: appPath },
        { param: 'logPatterns', value: badPattern },
      ]),
    );
    // Through the parser a rejected parameter is a High finding, never a pass.
    const findings = findingsForHost('security', 'web', { tags: { App: 'web' } }, result!);
    expect(byCheck(findings, 'run').severity).toBe('high');
  });

  it('security.sh: a regular expression grep refuses, passed past the validator, is a refused parameter; its text stays data', async () => {
    const bad = Buffer.from(`(unclosed $(touch ${marker(0)})`).toString('base64');
    const [result] = await runScript(
      new LocalBash({ host: HOST, env: { AUTOPILOT_AUTH_LOG: '/dev/null', PATH: `${fakeAptGet(scratch.dir, [])}:${process.env.PATH}` } }),
      SECURITY_SCRIPT,
      { contract: '1', logPatterns: `3600 /var/log/syslog re:${bad};60 /var/log/x re:$(id)` },
      { target: 'web', tags: {} },
    );
    expect(markers()).toEqual([]);
    const line = readJsonLine(result!.stdout) as { ok: true; value: { invalid: Array<{ value: string }>; logPatterns: object[] } };
    expect(line.value.invalid.map((i) => i.value)).toEqual([`3600 /var/log/syslog re:${bad}`, '60 /var/log/x re:$(id)']);
    expect(line.value.logPatterns).toEqual([
      { i: 0, status: 'invalid' },
      { i: 1, status: 'invalid' },
    ]);
  });

  it('a configured pattern full of metacharacters is matched as a fixed string and runs nothing', async () => {
    const pattern = `$(touch ${marker(9)}) \`touch ${marker(10)}\`; rm -rf ${scratch.dir}/nothing | tee ${marker(11)} & "q" 'x' > < *`;
    const log = join(scratch.dir, 'app.log');
    const stamp = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(log, `${[1, 2, 3].map((i) => `${stamp} request ${i}: ${pattern}`).join('\n')}\n${stamp} ordinary line\n`);
    const config = configWithServers({ security: { logPatterns: [{ path: log, pattern, warning: 3 }] } });
    const remote = new LocalBash({
      host: HOST,
      env: { AUTOPILOT_AUTH_LOG: '/dev/null', PATH: `${fakeAptGet(scratch.dir, [])}:${process.env.PATH}` },
    });
    const findings = await runServerChecks('security', config, { remote });
    expect(markers()).toEqual([]);
    const found = findings.find((f) => f.check.startsWith(`${HOST}/log:`))!;
    expect(found.observed).toMatchObject({ count: 3, pattern });
    expect(found.severity).toBe('medium');
    // The script echoes the decoded pattern verbatim in its JSON line.
    const [raw] = await runScript(
      remote,
      SECURITY_SCRIPT,
      { contract: '1', logPatterns: `3600 ${log} ${Buffer.from(pattern).toString('base64')}` },
      { target: 'web', tags: {} },
    );
    const line = readJsonLine(raw!.stdout) as { ok: true; value: { logPatterns: Array<{ pattern: string; count: number }> } };
    expect(line.value.logPatterns[0]).toMatchObject({ pattern, count: 3 });
    expect(markers()).toEqual([]);
  });
});
