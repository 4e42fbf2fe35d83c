import { checkNameOf, type BackupConfig, type SqliteConfig } from '../core/config/schema.js';
import type { Config, PostgresConfig } from '../kinds/config.js';

/** A database the config backs up: a postgres entry or a sqlite entry with `backup` set. */
export type BackedUpEntry =
  | {
      readonly kind: 'postgres';
      readonly target: string;
      readonly database: string;
      readonly backup: BackupConfig;
      readonly postgres: PostgresConfig;
    }
  | {
      readonly kind: 'sqlite';
      readonly target: string;
      readonly database: string;
      readonly backup: BackupConfig;
      readonly sqlite: SqliteConfig;
    };

/** Every backed-up database of the selected targets (all when none given), in config order. */
export function backedUpEntries(config: Config, targets?: readonly string[]): BackedUpEntry[] {
  return Object.entries(config.targets)
    .filter(([name]) => !targets?.length || targets.includes(name))
    .flatMap(([target, t]) => [
      ...(t.postgres ?? []).flatMap((p) =>
        p.backup ? [{ kind: 'postgres' as const, target, database: checkNameOf(p), backup: p.backup, postgres: p }] : [],
      ),
      ...(t.sqlite ?? []).flatMap((s) =>
        s.backup ? [{ kind: 'sqlite' as const, target, database: s.name, backup: s.backup, sqlite: s }] : [],
      ),
    ]);
}
