import type { BackedUpEntry } from '../../functions/backup/boundary.js';

function pascal(text: string): string {
  return text.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}

/**
 * A backed-up database's part of construct ids (`SystemGearStock`), shared by its Lambda schedule
 * (`BackupSystemGearStock`) and its Fargate task (`SystemGearStockTask`): changing it renames resources.
 */
export function entryId(entry: Pick<BackedUpEntry, 'target' | 'database'>): string {
  return `${pascal(entry.target)}${pascal(entry.database)}`;
}
