import type { ObjectStore } from '../core/ports/object-store.js';
import { databasePrefix, parseBackupKey, type ArchiveFormat } from '../core/layout.js';
import { parseManifest, type BackupManifest } from '../backup/manifest.js';

export interface BackupEntry {
  readonly target: string;
  readonly database: string;
  readonly archiveKey: string;
  readonly format: ArchiveFormat;
  readonly startedAt: Date;
  readonly size: number;
  /** The manifest is written only after the upload and verification passed: without one, not a backup to trust. */
  readonly verified: boolean;
  readonly manifestKey?: string;
  readonly manifest?: BackupManifest;
  /** Why a manifest that exists could not be read. */
  readonly problem?: string;
}

/**
 * The archives under `backups/<target>/[<database>/]`, newest first, each with its manifest
 * when one exists. An archive without a manifest is listed as unverified (a run in progress, or
 * one whose cleanup failed), never silently left out.
 */
export async function listBackups(store: ObjectStore, target: string, database?: string): Promise<BackupEntry[]> {
  const objects = await store.list(databasePrefix(target, database));
  const manifests = new Set<string>();
  const archives: Array<{ key: string; size: number; parsed: NonNullable<ReturnType<typeof parseBackupKey>> }> = [];
  for (const object of objects) {
    const parsed = parseBackupKey(object.key);
    if (!parsed || parsed.target !== target || (database !== undefined && parsed.database !== database)) continue;
    if (parsed.role === 'manifest') manifests.add(parsed.base);
    else archives.push({ key: object.key, size: object.size, parsed });
  }
  const entries = await Promise.all(
    archives.map(async ({ key, size, parsed }): Promise<BackupEntry> => {
      const base: BackupEntry = {
        target,
        database: parsed.database,
        archiveKey: key,
        format: parsed.format!,
        startedAt: parsed.startedAt,
        size,
        verified: false,
      };
      if (!manifests.has(parsed.base)) return base;
      const manifestKey = `${parsed.base}.json`;
      try {
        const object = await store.get(manifestKey);
        if (!object) return base;
        const manifest = parseManifest(object.body, manifestKey);
        if (manifest.key !== key) return { ...base, manifestKey, problem: `manifest names ${manifest.key}` };
        return { ...base, manifestKey, manifest, verified: true };
      } catch (error) {
        return { ...base, manifestKey, problem: (error as Error).message };
      }
    }),
  );
  return entries.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || a.database.localeCompare(b.database));
}
