export interface LimitOptions {
  /** Most tasks running at once. */
  readonly limit: number;
  /**
   * Least time between two starts, in ms (0: one start per event-loop turn). Probes that all
   * start within a few ms get their answers back within a few ms too, and then each waits for
   * the others' parsing before its clock stops; spacing the starts keeps that queue short.
   */
  readonly spacingMs?: number;
}

/**
 * Runs `task` over every item, bounded and spaced as `options` say; results keep the items' order.
 *
 * Each start is its own event-loop turn (setImmediate). Started in one synchronous loop, hundreds of
 * probes would all start their clocks first and only then get their sockets connected and their
 * requests written, so the first ones would count the set-up of all the others as response time.
 * A task that rejects rejects the whole run; callers turn failures into values themselves.
 */
export function mapWithLimit<T, R>(
  items: readonly T[],
  options: LimitOptions | number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const { limit, spacingMs = 0 } = typeof options === 'number' ? { limit: options } : options;
  if (!Number.isInteger(limit) || limit < 1) return Promise.reject(new RangeError(`concurrency must be a positive integer, got ${limit}`));
  if (!(spacingMs >= 0 && spacingMs <= 60_000)) return Promise.reject(new RangeError(`spacing must be 0-60000 ms, got ${spacingMs}`));
  const results = new Array<R>(items.length);
  return new Promise((resolve, reject) => {
    let next = 0;
    let running = 0;
    let scheduled = false;
    let firstStart: number | undefined;
    const schedule = (delayMs = 0): void => {
      if (scheduled) return;
      scheduled = true;
      const run = (): void => {
        scheduled = false;
        launch();
      };
      if (delayMs > 0) setTimeout(run, delayMs);
      else setImmediate(run);
    };
    const launch = (): void => {
      if (next >= items.length) {
        if (running === 0) resolve(results);
        return;
      }
      if (running >= limit) return;
      if (spacingMs > 0 && firstStart !== undefined) {
        // Paced by a schedule (start n at firstStart + n * spacing), not by gaps, so timer lateness is caught up.
        const due = firstStart + next * spacingMs - performance.now();
        if (due > 0) {
          schedule(Math.max(1, Math.ceil(due)));
          return;
        }
      }
      firstStart ??= performance.now();
      const index = next++;
      running++;
      task(items[index] as T, index).then((result) => {
        results[index] = result;
        running--;
        schedule();
      }, reject);
      schedule();
    };
    schedule();
  });
}
