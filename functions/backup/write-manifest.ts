import type { ObjectStore } from '../core/ports/object-store.js';
import type { BackupKeys } from '../core/layout.js';
import type { BackupManifest } from './manifest.js';

/** Why the manifest of a stored archive could not be written, and the archive's key if deleting it failed too. */
export interface ManifestWriteFailure {
  readonly reason: string;
  readonly leftover?: string;
}

/**
 * The last step of every backup path (Lambda, Fargate, SSM): writes the manifest beside the
 * verified archive, since its presence is what "a backup exists" means. If it cannot be written,
 * the archive is deleted (an archive without a manifest would be neither counted nor expired by
 * the freshness check) and the failure says so; undefined when the manifest is written.
 */
export async function writeManifest(
  store: ObjectStore,
  keys: BackupKeys,
  manifest: BackupManifest,
): Promise<ManifestWriteFailure | undefined> {
  try {
    await store.put(keys.manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
    return undefined;
  } catch (error) {
    const leftover = await deleteQuietly(store, keys.archiveKey);
    return { reason: `cannot write the manifest ${keys.manifestKey}, archive deleted: ${messageOf(error)}`, leftover };
  }
}

/** Deletes a rejected archive; returns its key when that failed too, so the finding says so. */
export async function deleteQuietly(store: ObjectStore, key: string): Promise<string | undefined> {
  try {
    await store.delete(key);
    return undefined;
  } catch {
    return key;
  }
}

/** An error's message, with its code when the message lacks it, and every cause of an AggregateError (a refused connection per address). */
export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return error.errors.map(messageOf).join('; ');
  const e = error as Error & { code?: string };
  const text = e?.message || e?.name || e?.code || String(error);
  return e?.code && !text.includes(e.code) ? `${text} (${e.code})` : text;
}
