import { unlinkSync } from 'node:fs';

/** Files a directory store is writing right now: temporary files before their rename, lock files while held. */
const inFlight = new Set<string>();
let hooked = false;

/**
 * Marks a file as being written. A process that exits meanwhile (Ctrl-C, a SIGTERM from cron or systemd: the CLI
 * turns both into an exit) removes it on the way out, so no `.partial-*` file or lock outlives the run.
 */
export function trackInFlight(path: string): void {
  inFlight.add(path);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const file of inFlight) {
      try {
        unlinkSync(file);
      } catch {
        // gone already
      }
    }
  });
}

/** The file was renamed into place, released or removed: nothing to clean up any more. */
export function untrackInFlight(path: string): void {
  inFlight.delete(path);
}
