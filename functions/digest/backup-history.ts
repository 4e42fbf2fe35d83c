import { z } from 'zod';
import type { ObjectStore } from '../core/ports/object-store.js';
import type { BackupRecord } from './digest-data.js';

/** The manifest fields the digest reads; a manifest is written only after a verified upload. */
const manifestSchema = z.object({
  target: z.string(),
  database: z.string(),
  finishedAt: z.string(),
  sizeBytes: z.number(),
});

/** Verified backups whose manifest is younger than `days`, read from `backups/.../*.json`. */
export async function readBackupHistory(store: ObjectStore, now: Date, days = 7): Promise<BackupRecord[]> {
  const since = now.getTime() - days * 86_400_000;
  const manifests = (await store.list('backups/')).filter((o) => o.key.endsWith('.json') && o.lastModified.getTime() >= since - 86_400_000);
  const records: BackupRecord[] = [];
  for (const info of manifests) {
    const object = await store.get(info.key);
    if (!object) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(object.body.toString('utf8'));
    } catch {
      continue;
    }
    const parsed = manifestSchema.safeParse(raw);
    if (!parsed.success || Date.parse(parsed.data.finishedAt) < since) continue;
    records.push({ ...parsed.data, key: info.key.replace(/\.json$/, '.dump') });
  }
  return records;
}
