import { parseManifest } from '../backup/manifest.js';
import { BACKUPS_PREFIX, MANIFEST_EXTENSION } from '../core/layout.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import type { BackupRecord } from './digest-data.js';

/** Backups whose manifest (written only after a verified upload) is younger than `days`. */
export async function readBackupHistory(store: ObjectStore, now: Date, days = 7): Promise<BackupRecord[]> {
  const since = now.getTime() - days * 86_400_000;
  // The key's date folder is the backup's UTC day; a day of slack keeps late-finishing ones.
  const manifests = (await store.list(BACKUPS_PREFIX)).filter(
    (o) => o.key.endsWith(MANIFEST_EXTENSION) && o.lastModified.getTime() >= since - 86_400_000,
  );
  const records: BackupRecord[] = [];
  for (const info of manifests) {
    const object = await store.get(info.key);
    if (!object) continue;
    let manifest: ReturnType<typeof parseManifest>;
    try {
      manifest = parseManifest(object.body, info.key);
    } catch {
      continue;
    }
    if (Date.parse(manifest.finishedAt) < since) continue;
    records.push({
      target: manifest.target,
      database: manifest.database,
      finishedAt: manifest.finishedAt,
      sizeBytes: manifest.size,
      key: manifest.key,
    });
  }
  return records;
}
