import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A wrapper script standing in for pg_dump or pg_restore: it records the argv and whether
 * PGPASSWORD was set to what, then execs the real tool, so a test can prove where the password went.
 */
export function toolShim(tool: 'pg_dump' | 'pg_restore', realBin = '/usr/lib/postgresql/15/bin') {
  const dir = mkdtempSync(join(tmpdir(), 'autopilot-shim-'));
  const log = join(dir, 'calls.log');
  const path = join(dir, tool);
  writeFileSync(
    path,
    [
      '#!/usr/bin/env bash',
      `{ printf 'ARGV'; printf ' %s' "$@"; printf '\\n'; printf 'PGPASSWORD=%s\\n' "\${PGPASSWORD-<unset>}"; } >> ${JSON.stringify(log)}`,
      `exec ${JSON.stringify(join(realBin, tool))} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return { dir, path, calls: () => readFileSync(log, 'utf8') };
}
