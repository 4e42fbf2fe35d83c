import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../../functions/core/adapters/local/local-object-store.js';
import { AlertStateSaveError, processFindings } from '../../../../functions/core/alerts/process-findings.js';
import { parseAlertState, type AlertState } from '../../../../functions/core/alerts/state.js';
import type { Finding } from '../../../../functions/core/domain/finding.js';
import type { Notification, Topic } from '../../../../functions/core/domain/report.js';
import { ChannelSet } from '../../../../functions/core/delivery/channel.js';
import { PreconditionFailedError, StoreFaultError, storeFaultOf } from '../../../../functions/core/errors.js';
import type { Notifier } from '../../../../functions/core/ports/notifier.js';
import type { ObjectStore } from '../../../../functions/core/ports/object-store.js';
import { finding, makeConfig, minutesAfter } from './helpers.js';
import { barrier, MemoryObjectStore } from './memory-store.js';

const STATE_KEY = 'state/alerts/health.json';

/** Records what it delivers; throws for the topics in `failing`. */
class RecordingNotifier implements Notifier {
  readonly published: Notification[] = [];
  readonly failing = new Set<Topic>();
  async publish(notification: Notification): Promise<void> {
    if (this.failing.has(notification.topic)) throw new Error(`SNS throttled ${notification.topic}`);
    this.published.push(notification);
  }
}

async function stateOf(store: ObjectStore): Promise<AlertState> {
  const stored = await store.get(STATE_KEY);
  if (!stored) throw new Error('no state saved');
  return parseAlertState(stored.body.toString('utf8'));
}

/** Counts the conditional puts refused, to prove a test really raced. */
function countingConflicts(inner: ObjectStore): ObjectStore & { conflicts: number } {
  const store = Object.create(inner) as ObjectStore & { conflicts: number };
  store.conflicts = 0;
  store.put = async (...args) => {
    try {
      return await inner.put(...args);
    } catch (error) {
      if (error instanceof PreconditionFailedError) store.conflicts++;
      throw error;
    }
  };
  return store;
}

const config = makeConfig();
const run = (store: ObjectStore, notifier: Notifier, findings: Finding[], minutes: number) =>
  processFindings({ job: 'health', findings, config, store, notifier, now: minutesAfter(minutes) });

describe('processFindings', () => {
  it('loads, evaluates, publishes and saves the state under state/alerts/<job>.json', async () => {
    const store = new MemoryObjectStore();
    const notifier = new RecordingNotifier();
    const first = await run(store, notifier, [finding('mycats', 'api', 'critical')], 0);
    expect(first).toEqual({ sent: [], failed: [], suppressed: [], warnings: [] });
    expect((await stateOf(store)).entries['mycats/api']).toMatchObject({ consecutiveFailures: 1, open: null });
    const second = await run(store, notifier, [finding('mycats', 'api', 'critical')], 5);
    expect(second.sent.map((n) => n.subject)).toEqual(['[CRITICAL] 1 alert: mycats/api - api failed']);
    expect(notifier.published).toEqual(second.sent);
    expect((await stateOf(store)).entries['mycats/api']!.open).toMatchObject({ notifiedSeverity: 'critical' });
    // Beside the state: the store's identity (written once the job's state was first saved) and the delivery record of
    // the one notice, named by its time, notice and channel.
    expect([...store.objects.keys()].sort()).toEqual([
      expect.stringMatching(/^state\/alerts\/health\.delivery\.20261123T020500\.000Z-[0-9a-f]{12}-default\.json$/),
      STATE_KEY,
      'state/store.json',
    ]);
  });

  it('a failed publish stays in the outbox: the next run sends the same notice, nothing lost', async () => {
    const store = new MemoryObjectStore();
    const notifier = new RecordingNotifier();
    const findings = [finding('mycats', 'api', 'critical'), finding('cafemuji', 'db', 'high'), finding('shiojiri', 'db', 'high')];
    await run(store, notifier, findings, 0);
    notifier.failing.add('high');
    const second = await run(store, notifier, findings, 5);
    expect(second.sent.map((n) => n.topic)).toEqual(['critical']);
    expect(second.failed).toHaveLength(1);
    expect(second.failed[0]!.error).toBe('SNS throttled high');
    expect(second.failed[0]!.notification.attributes.target).toEqual(['cafemuji', 'shiojiri']);
    const saved = await stateOf(store);
    expect(saved.entries['cafemuji/db']).toMatchObject({ consecutiveFailures: 2, open: { notifiedSeverity: 'high' } });
    expect(saved.outbox!.map((e) => [e.planned!.topic, e.attempts, e.lastError])).toEqual([['high', 1, 'SNS throttled high']]);

    notifier.failing.clear();
    const third = await run(store, notifier, findings, 10);
    // The held notice goes out as it was planned; critical is inside its 15-minute repeat interval and stays quiet.
    expect(third.sent.map((n) => [n.topic, n.attributes.target])).toEqual([['high', ['cafemuji', 'shiojiri']]]);
    expect(third.sent[0]!.message).toContain('New alerts (2)');
    expect(third.sent[0]).toEqual(second.failed[0]!.notification);
    expect((await stateOf(store)).outbox).toEqual([]);
    expect((await run(store, notifier, findings, 11)).sent).toEqual([]);
  });

  it('a failed RESOLVED is sent again on the next run', async () => {
    const store = new MemoryObjectStore();
    const notifier = new RecordingNotifier();
    await run(store, notifier, [finding('mycats', 'api', 'critical')], 0);
    await run(store, notifier, [finding('mycats', 'api', 'critical')], 5);
    notifier.failing.add('critical');
    const failed = await run(store, notifier, [finding('mycats', 'api', 'ok')], 10);
    expect(failed.failed.map((f) => f.notification.subject)).toEqual(['[CRITICAL] 1 resolved: mycats/api - 200 in 12 ms']);
    notifier.failing.clear();
    const retried = await run(store, notifier, [finding('mycats', 'api', 'ok')], 15);
    expect(retried.sent.map((n) => n.subject)).toEqual(['[CRITICAL] 1 resolved: mycats/api - 200 in 12 ms']);
    expect((await stateOf(store)).entries['mycats/api']).toMatchObject({ open: null, consecutiveOks: 2 });
  });

  it('reports notices held back by a silence', async () => {
    const store = new MemoryObjectStore();
    const silenced = makeConfig({ silences: [{ target: 'mycats', reason: 'deploy', until: minutesAfter(30).toISOString() }] });
    const notifier = new RecordingNotifier();
    for (const m of [0, 5]) {
      const result = await processFindings({
        job: 'health',
        findings: [finding('mycats', 'api', 'critical')],
        config: silenced,
        store,
        notifier,
        now: minutesAfter(m),
      });
      if (m === 5) expect(result.suppressed).toEqual([{ key: 'mycats/api', change: 'opened', reason: 'deploy' }]);
    }
    expect(notifier.published).toEqual([]);
  });

  it('an unreadable state with no earlier copy: starts empty and says so in a critical notice', async () => {
    const store = new MemoryObjectStore();
    await store.put(STATE_KEY, '{"version": 9, "entries": {}}');
    const notifier = new RecordingNotifier();
    const result = await run(store, notifier, [finding('mycats', 'api', 'critical')], 0);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('invalid alert state at version');
    expect(result.warnings[0]).toContain('nothing recoverable');
    expect(notifier.published.map((n) => [n.topic, n.subject])).toEqual([['critical', '[CRITICAL] alert state lost: health job']]);
    expect(notifier.published[0]!.attributes.target).toEqual(['mycats', 'cafemuji', 'shiojiri']);
    expect(notifier.published[0]!.message).toContain('will not get a RESOLVED notice');
    const saved = await stateOf(store);
    expect(saved.entries['mycats/api']).toBeDefined();
    expect(saved.outbox).toEqual([]);
    // Said once: the next run reads the fresh state.
    expect((await run(store, notifier, [finding('mycats', 'api', 'critical')], 5)).warnings).toEqual([]);
  });

  it('gives up after the configured attempts, having published nothing it could not claim', async () => {
    const store = new MemoryObjectStore();
    const notifier = new RecordingNotifier();
    await run(store, notifier, [finding('mycats', 'api', 'critical')], 0);
    let puts = 0;
    store.put = async (key) => {
      puts++;
      throw new PreconditionFailedError(key);
    };
    const attempt = processFindings({
      job: 'health',
      findings: [finding('mycats', 'api', 'critical')],
      config,
      store,
      notifier,
      now: minutesAfter(5),
      retry: { attempts: 3, baseDelayMs: 1 },
    });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertStateSaveError);
    expect((error as AlertStateSaveError).message).toContain('still conflicting after 3 attempts');
    expect((error as AlertStateSaveError).sent).toEqual([]);
    expect(notifier.published).toEqual([]);
    expect(puts).toBe(3);
  });

  it('a store that refuses the claim for good (not a conflict): publishes what it planned anyway, and says so', async () => {
    const store = new MemoryObjectStore();
    const notifier = new RecordingNotifier();
    await run(store, notifier, [finding('mycats', 'api', 'critical')], 0);
    store.put = async () => {
      throw new StoreFaultError('store memory:// is read-only (EROFS)', 'EROFS');
    };
    const error = await run(store, notifier, [finding('mycats', 'api', 'critical')], 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertStateSaveError);
    expect(storeFaultOf(error)?.code).toBe('EROFS');
    expect((error as AlertStateSaveError).sent.map((n) => n.topic)).toEqual(['critical']);
    expect(notifier.published.map((n) => n.topic)).toEqual(['critical']);
  });

  it('a run that stops after publishing (its settle refused): the next run settles it from its record, never sends it again', async () => {
    const store = new MemoryObjectStore();
    const notifier = new RecordingNotifier();
    const failing = [finding('mycats', 'api', 'critical')];
    await run(store, notifier, failing, 0);
    const put = store.put.bind(store);
    let statePuts = 0;
    store.put = async (...args) => {
      // The second write of the state is the settle: the store refuses it (full), after the delivery was recorded.
      if (args[0] === STATE_KEY && ++statePuts === 2) throw new StoreFaultError('store memory:// is full (ENOSPC)', 'ENOSPC');
      return put(...args);
    };
    await expect(run(store, notifier, failing, 5)).rejects.toThrow(/settling .*ENOSPC/);
    store.put = put;
    expect(notifier.published).toHaveLength(1);
    expect((await stateOf(store)).outbox).toHaveLength(1);
    // Issue 19: before, the next run past the dead run's lease published it again.
    const after = await run(store, notifier, failing, 8);
    expect(after.sent).toEqual([]);
    expect(after.warnings).toEqual([expect.stringMatching(/1 notice\(s\) an earlier run delivered but did not settle were settled/)]);
    expect((await stateOf(store)).outbox).toEqual([]);
    expect(notifier.published).toHaveLength(1);
  });

  it('a crash between publish and its record repeats the notice once, after the lease, and never drops it', async () => {
    const store = new MemoryObjectStore();
    const notifier = new RecordingNotifier();
    const failing = [finding('mycats', 'api', 'critical')];
    await run(store, notifier, failing, 0);
    const put = store.put.bind(store);
    let puts = 0;
    store.put = async (...args) => {
      // Every write after the claim fails: the process "dies" before its delivery is recorded or settled.
      if (++puts >= 2) throw new Error('killed');
      return put(...args);
    };
    await expect(run(store, notifier, failing, 5)).rejects.toThrow('killed');
    store.put = put;
    expect(notifier.published).toHaveLength(1);
    expect((await stateOf(store)).outbox).toHaveLength(1);
    // Inside the dead run's 2-minute lease nobody else publishes it...
    expect((await run(store, notifier, failing, 6)).sent).toEqual([]);
    // ...after it, the next run does: the one repeat a crash can cost.
    const after = await run(store, notifier, failing, 8);
    expect(after.sent.map((n) => n.subject)).toEqual([notifier.published[0]!.subject]);
    expect((await stateOf(store)).outbox).toEqual([]);
    expect((await run(store, notifier, failing, 9)).sent).toEqual([]);
    expect(notifier.published).toHaveLength(2);
  });

  it('keeps delivery bookkeeping per channel: a failing channel is retried alone, the other never sends twice', async () => {
    const store = new MemoryObjectStore();
    const mail = Object.assign(new RecordingNotifier(), { name: 'mail' });
    const pager = Object.assign(new RecordingNotifier(), { name: 'pager' });
    pager.failing.add('critical');
    const notifier = new ChannelSet([mail, pager]);
    const failing = [finding('mycats', 'api', 'critical')];
    await run(store, notifier, failing, 0);
    const second = await run(store, notifier, failing, 5);
    expect(second.failed.map((f) => f.channel)).toEqual(['pager']);
    expect(mail.published).toHaveLength(1);
    expect((await stateOf(store)).outbox!.map((e) => [e.channel, e.attempts])).toEqual([['pager', 1]]);
    pager.failing.clear();
    const third = await run(store, notifier, failing, 6);
    expect(third.sent).toHaveLength(1);
    expect(pager.published.map((n) => n.subject)).toEqual(mail.published.map((n) => n.subject));
    expect(mail.published).toHaveLength(1);
    expect((await stateOf(store)).outbox).toEqual([]);
  });
});

describe('concurrent writers', () => {
  it('in memory, forced interleaving: both runs load the same version, both updates survive', async () => {
    const store = new MemoryObjectStore();
    const notifier = new RecordingNotifier();
    await run(store, notifier, [finding('mycats', 'api', 'critical'), finding('cafemuji', 'health', 'high')], 0);
    const bothLoaded = barrier(2);
    let gets = 0;
    store.afterGet = async () => {
      if (++gets <= 2) await bothLoaded();
    };
    const [a, b] = await Promise.all([
      run(store, notifier, [finding('mycats', 'api', 'critical')], 5),
      run(store, notifier, [finding('cafemuji', 'health', 'high')], 5),
    ]);
    expect(store.preconditionFailures).toBe(1);
    expect(a.sent.map((n) => n.topic)).toEqual(['critical']);
    expect(b.sent.map((n) => n.topic)).toEqual(['high']);
    const saved = await stateOf(store);
    expect(saved.entries['mycats/api']).toMatchObject({ consecutiveFailures: 2, open: { notifiedSeverity: 'critical' } });
    expect(saved.entries['cafemuji/health']).toMatchObject({ consecutiveFailures: 2, open: { notifiedSeverity: 'high' } });
    // Next run: both open alerts are known, so nothing is sent twice.
    store.afterGet = undefined;
    const next = await run(store, notifier, [finding('mycats', 'api', 'critical'), finding('cafemuji', 'health', 'high')], 10);
    expect(next.sent).toEqual([]);
  });

  describe('LocalObjectStore, real concurrent writes', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'alerts-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('10 parallel runs for different keys: every update survives', async () => {
      const store = countingConflicts(new LocalObjectStore(dir));
      const notifier = new RecordingNotifier();
      const targets = Array.from({ length: 10 }, (_, i) => `t${i}`);
      const round = (minutes: number) => Promise.all(targets.map((t) => run(store, notifier, [finding(t, 'api', 'critical')], minutes)));

      await round(0);
      expect(store.conflicts).toBeGreaterThan(0);
      let saved = await stateOf(store);
      expect(Object.keys(saved.entries).sort()).toEqual(targets.map((t) => `${t}/api`));
      for (const entry of Object.values(saved.entries)) expect(entry.consecutiveFailures).toBe(1);

      const second = await round(5);
      expect(second.flatMap((r) => r.sent.flatMap((n) => n.attributes.target)).sort()).toEqual(targets);
      saved = await stateOf(store);
      for (const t of targets)
        expect(saved.entries[`${t}/api`]).toMatchObject({ consecutiveFailures: 2, open: { notifiedSeverity: 'critical' } });

      const third = await round(10);
      expect(third.flatMap((r) => r.sent)).toEqual([]);
      expect(JSON.parse(await readFile(join(dir, 'state', 'alerts', 'health.json'), 'utf8')).version).toBe(1);
    });
  });
});
