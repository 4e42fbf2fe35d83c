import { ConfigError } from '../../functions/core/errors.js';
import type { ObjectStore } from '../../functions/core/ports/object-store.js';
import { formatBytes } from '../../functions/core/text/format-bytes.js';
import { listBackups, type BackupEntry } from '../../functions/restore/list-backups.js';
import { parseTargetUrl, restoreBackup, RestoreRefusedError } from '../../functions/restore/restore-backup.js';
import { configPath, loadCliConfig } from './config-file.js';
import { deployedStore } from './deployed-store.js';
import { EXIT } from './exit-status.js';
import { localStore } from './local-context.js';
import type { Config } from '../../functions/kinds/config.js';
import { backedUpEntries } from '../../functions/backup/entries.js';

function listingLine(entry: BackupEntry): string {
  const state = entry.verified ? 'verified' : `UNVERIFIED${entry.problem ? ` (${entry.problem})` : ''}`;
  const tables = entry.manifest ? `${entry.manifest.tables} tables` : '';
  return (
    `  ${entry.startedAt.toISOString()}  ${entry.database.padEnd(16)} ${formatBytes(entry.size).padStart(8)}  ${state.padEnd(10)} ` +
    `${tables}  ${entry.archiveKey}`
  );
}

/**
 * `restore --list` without --target: each target with the databases it backs up, and what the store holds of each
 * (how many backups, the newest). A target that backs nothing up is listed as such, so none goes missing.
 */
async function listTargets(config: Config, store: ObjectStore, json: boolean): Promise<void> {
  const entries = backedUpEntries(config);
  const rows = await Promise.all(
    Object.keys(config.targets).map(async (target) => {
      const databases = entries.filter((e) => e.target === target);
      const stored = databases.length ? await listBackups(store, target) : [];
      return {
        target,
        databases: databases.map((e) => {
          const backups = stored.filter((b) => b.database === e.database);
          const newest = backups.find((b) => b.verified);
          return {
            database: e.database,
            kind: e.kind,
            backups: backups.length,
            ...(newest ? { newestVerified: newest.startedAt.toISOString() } : {}),
          };
        }),
      };
    }),
  );
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${rows.length} target(s) in the config, backups in ${store.location}\n`);
  for (const row of rows) {
    process.stdout.write(`  ${row.target}${row.databases.length ? '' : ': no database backed up'}\n`);
    for (const d of row.databases) {
      const newest = d.newestVerified ? `, newest verified ${d.newestVerified}` : d.backups ? ', none verified' : '';
      process.stdout.write(`    ${d.database.padEnd(16)} ${d.kind.padEnd(8)} ${d.backups} backup(s)${newest}\n`);
    }
  }
  process.stdout.write("autopilot restore --list --target <name> lists one target's backups\n");
}

/** What `restore` reads of its flags (bin/cli/commands.ts declares them). */
export interface RestoreFlags {
  readonly config?: string;
  readonly target?: string;
  readonly database?: string;
  readonly at: string;
  readonly to?: string;
  readonly clean: boolean;
  readonly list: boolean;
  readonly json: boolean;
  readonly local: boolean;
  readonly store: string;
  readonly stack: string;
}

/** `autopilot restore --list` and `autopilot restore --to <url>` (docs/cli.md). */
export async function restore(flags: RestoreFlags): Promise<number> {
  const config = await loadCliConfig(configPath(flags.config)!, flags.target ? [flags.target] : []);
  const store = flags.local ? await localStore(flags.store) : await deployedStore('restore', flags.stack);
  const target = flags.target;
  if (flags.list && !target) {
    await listTargets(config, store, flags.json);
    return EXIT.ok;
  }
  if (flags.list) {
    const entries = await listBackups(store, target!, flags.database);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    } else {
      process.stdout.write(
        `${entries.length} backup(s) of ${target}${flags.database ? `/${flags.database}` : ''} in ${store.location}, newest first\n`,
      );
      for (const entry of entries) process.stdout.write(`${listingLine(entry)}\n`);
    }
    return EXIT.ok;
  }
  const to = flags.to!;
  try {
    const result = await restoreBackup({ store, target: target!, database: flags.database, at: flags.at, to, clean: flags.clean });
    const summary = {
      restored: result.archiveKey,
      into: parseTargetUrl(to).display,
      size: result.size,
      tables: result.tables,
      durationMs: result.durationMs,
    };
    process.stdout.write(
      flags.json
        ? `${JSON.stringify(summary, null, 2)}\n`
        : `restored ${result.archiveKey} (${formatBytes(result.size)}) into ${parseTargetUrl(to).display}: ${result.tables} tables ` +
            `in ${result.durationMs} ms\n`,
    );
    return EXIT.ok;
  } catch (error) {
    if (error instanceof RestoreRefusedError) throw new ConfigError(error.message);
    throw error;
  }
}
