import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../../functions/core/domain/finding.js';
import type { ShellScript } from '../../../functions/remote/port.js';
import { readScript } from '../../../functions/remote/script.js';
import type { Config } from '../../../functions/kinds/config.js';
import { validateConfig } from '../../../functions/kinds/config.js';

export function configWithServers(servers: Record<string, unknown>, extra: Record<string, unknown> = {}): Config {
  return validateConfig({ ...extra, targets: { web: { servers: { tags: { App: 'web' }, ...servers } } } });
}

/** A scratch directory removed by `cleanup()`. */
export function scratchDir(prefix = 'autopilot-ssm-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an executable `sh` script named `name` into `<dir>/bin` and returns that bin directory. */
export function fakeTool(dir: string, name: string, body: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const file = join(bin, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return bin;
}

/** A fake apt-get with one pending security update, so tests do not wait on the real simulation. */
export function fakeAptGet(
  dir: string,
  lines = ['Inst libssl3 [3.0.11-1~deb12u1] (3.0.13-1~deb12u2 Debian-Security:12/stable-security [amd64])'],
): string {
  return fakeTool(dir, 'apt-get', `cat <<'EOF'\nNOTE: This is only a simulation!\n${lines.join('\n')}\nEOF`);
}

export function byCheck(findings: readonly Finding[], suffix: string): Finding {
  const found = findings.filter((f) => f.check === suffix || f.check.endsWith(`/${suffix}`));
  if (found.length !== 1)
    throw new Error(`expected one finding for ${suffix}, got ${found.length}: ${findings.map((f) => f.check).join(', ')}`);
  return found[0]!;
}

/** syslog's "Mmm dd HH:MM:SS" in the given zone. */
export function syslogTime(epochMs: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(epochMs))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.month} ${String(parts.day).padStart(2, ' ')} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The script as its SSM document carries it (lib/common.sh, then the check), written to `<dir>/<id>.sh`. */
export function assembledScript(script: ShellScript, dir: string): string {
  const file = join(dir, `${script.id}.sh`);
  writeFileSync(file, readScript(script), { mode: 0o755 });
  return file;
}
