/**
 * What a run is waiting on, as it goes: a probe in flight, a database being dumped, a script on a host, the store. The
 * CLI shows it on a terminal when a job runs longer than a moment (bin/cli/progress.ts); deployed runs pass none.
 */
export interface Activity {
  /** Starts waiting on `what` (`mycats/api`, `backup of mycats/mycats`); the function returned ends it. */
  begin(what: string): () => void;
}

/** Runs `work` as one activity named `what` (nothing when there is no activity to tell). */
export async function during<T>(activity: Activity | undefined, what: string, work: () => Promise<T>): Promise<T> {
  const end = activity?.begin(what);
  try {
    return await work();
  } finally {
    end?.();
  }
}
