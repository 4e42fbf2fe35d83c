import { describe, expect, it } from 'vitest';
import { applyDeliveries } from '../../../../functions/core/alerts/apply-deliveries.js';
import {
  DELIVERY_RECORD_RETENTION_MS,
  DeliveryJournal,
  hashOf,
  listDeliveryRecords,
  readItems,
  recordIdOf,
  writeDeliveryRecord,
} from '../../../../functions/core/alerts/delivery-records.js';
import type { PlannedItem } from '../../../../functions/core/alerts/notice.js';
import type { AlertEntry, AlertState, OutboxEntry } from '../../../../functions/core/alerts/state.js';
import { StoreFaultError } from '../../../../functions/core/errors.js';
import type { ObjectStore } from '../../../../functions/core/ports/object-store.js';
import { MemoryObjectStore } from './memory-store.js';

const AT = '2026-11-23T02:05:00.000Z';
const NOW = new Date('2026-11-23T02:06:00.000Z');

function entry(items: number, channel = 'sns', run = 'run-a'): OutboxEntry {
  const planned: PlannedItem[] = Array.from({ length: items }, (_, i) => ({
    key: `web-${i}/api`,
    target: `web-${i}`,
    check: 'api',
    kind: 'http',
    change: i % 2 ? 'resolved' : 'opened',
    severity: i % 2 ? 'ok' : 'critical',
    summary: 'x',
  }));
  return {
    id: `health:critical@${AT}:${run}#${channel}`,
    channel,
    createdAt: AT,
    claimedBy: run,
    leaseUntil: AT,
    attempts: 0,
    planned: { id: 'health:critical', topic: 'critical', severity: 'critical', job: 'health', at: AT, items: planned },
  };
}

/** A store that refuses every write with a body, as a full disk does. */
function full(inner: MemoryObjectStore): ObjectStore {
  const store = Object.create(inner) as ObjectStore;
  store.put = async (key, body, options) => {
    if (Buffer.byteLength(body) > 0) throw new StoreFaultError('full (ENOSPC)', 'ENOSPC');
    return inner.put(key, body, options);
  };
  return store;
}

describe('delivery records', () => {
  it('a JSON record per delivered entry, found again by the entry, with its items', async () => {
    const store = new MemoryObjectStore();
    const e = entry(3);
    expect(await writeDeliveryRecord(store, 'health', e, NOW)).toEqual({ as: 'full' });
    const { records } = await listDeliveryRecords(store, 'health', NOW);
    const record = records.get(recordIdOf(e))!;
    expect(record).toMatchObject({
      at: AT,
      channel: 'sns',
      keys: [expect.stringMatching(/^state\/alerts\/health\.delivery\..*-sns\.json$/)],
    });
    expect((await readItems(store, record)).map((i) => [i.key, i.change, i.severity, i.topic])).toEqual([
      ['web-0/api', 'opened', 'critical', 'critical'],
      ['web-1/api', 'resolved', 'ok', 'critical'],
      ['web-2/api', 'opened', 'critical', 'critical'],
    ]);
  });

  it('on a full store: empty objects whose names (each within 255 bytes) carry every item of a 1,000-item notice', async () => {
    const memory = new MemoryObjectStore();
    const e = entry(1_000);
    expect(await writeDeliveryRecord(full(memory), 'health', e, NOW)).toEqual({ as: 'compact' });
    const keys = [...memory.objects.keys()];
    expect(keys.length).toBeGreaterThan(50);
    for (const key of keys) {
      expect(memory.objects.get(key)!.body.length).toBe(0);
      expect(Buffer.byteLength(key.split('/').at(-1)!)).toBeLessThanOrEqual(255);
    }
    const record = (await listDeliveryRecords(memory, 'health', NOW)).records.get(recordIdOf(e))!;
    const items = await readItems(memory, record);
    expect(items).toHaveLength(1_000);
    expect(items[1]).toEqual({ keyHash: hashOf('web-1/api'), change: 'resolved', severity: 'ok', topic: 'critical' });
  });

  it('a "state lost" entry is recorded too, so it is settled like any notice', async () => {
    const memory = new MemoryObjectStore();
    const lost: OutboxEntry = {
      ...entry(0),
      id: `health:state-lost@${AT}:run-a#sns`,
      planned: undefined,
      stateLost: { job: 'health', key: 'state/alerts/health.json', location: 'memory://', reason: 'missing', at: AT },
    };
    await writeDeliveryRecord(full(memory), 'health', lost, NOW);
    const journal = new DeliveryJournal(memory, 'health', ['sns'], NOW);
    await journal.list();
    expect(journal.deliveredOf([lost, entry(1)])).toEqual(new Set([lost.id]));
  });

  it('records past their retention are deleted when listed; younger ones stay', async () => {
    const store = new MemoryObjectStore();
    await writeDeliveryRecord(store, 'health', entry(1, 'sns', 'old'), NOW);
    await writeDeliveryRecord(store, 'health', entry(1, 'sns', 'new'), NOW);
    const [oldKey] = [...store.objects.keys()];
    store.objects.get(oldKey!)!.lastModified = new Date(NOW.getTime() - DELIVERY_RECORD_RETENTION_MS - 1);
    const listed = await listDeliveryRecords(store, 'health', NOW);
    expect(listed.pruned).toBe(1);
    expect(listed.records.size).toBe(1);
    expect(store.objects.has(oldKey!)).toBe(false);
  });

  it('a notice counts as delivered for replay only once every channel of the run recorded it', async () => {
    const store = new MemoryObjectStore();
    await writeDeliveryRecord(store, 'health', entry(1, 'sns'), NOW);
    const both = new DeliveryJournal(store, 'health', ['sns', 'chat'], NOW);
    await both.list();
    expect(await both.newerThan(undefined)).toEqual([]);
    await writeDeliveryRecord(store, 'health', entry(1, 'chat'), NOW);
    await both.list();
    expect((await both.newerThan(undefined)).map((d) => d.at)).toEqual([AT]);
    // A state saved at the notice's time or later already holds it.
    expect(await both.newerThan(AT)).toEqual([]);
  });
});

describe('applyDeliveries', () => {
  const base = (over: Partial<AlertEntry> = {}): AlertEntry => ({
    target: 'web-0',
    check: 'api',
    kind: 'http',
    severity: 'critical',
    consecutiveFailures: 1,
    consecutiveOks: 0,
    history: ['fail'],
    summary: 'down',
    lastSeenAt: '2026-11-23T02:00:00.000Z',
    open: null,
    flapping: null,
    ...over,
  });
  const state = (entries: Record<string, AlertEntry>): AlertState => ({ version: 1, entries });
  const opened = { keyHash: hashOf('web-0/api'), change: 'opened' as const, severity: 'critical' as const, topic: 'critical' as const };
  const resolved = { ...opened, change: 'resolved' as const, severity: 'ok' as const };

  it('opens an entry the state saw before the notice, and leaves one it saw since (it holds the notice already)', () => {
    const before = applyDeliveries(state({ 'web-0/api': base() }), [{ at: AT, items: [opened] }], new Map());
    expect(before.applied).toBe(1);
    expect(before.state.entries['web-0/api']!.open).toEqual({
      severity: 'critical',
      openedAt: AT,
      lastNotifiedAt: AT,
      notifiedSeverity: 'critical',
    });
    const since = applyDeliveries(state({ 'web-0/api': base({ lastSeenAt: AT }) }), [{ at: AT, items: [opened] }], new Map());
    expect(since.applied).toBe(0);
    expect(since.state.entries['web-0/api']!.open).toBeNull();
  });

  it('rebuilds an entry the state lost from this run`s observation, and ignores keys nobody knows', () => {
    const observed = new Map([['web-0/api', { target: 'web-0', check: 'api', kind: 'http' }]]);
    const unknown = { ...opened, keyHash: hashOf('gone/api') };
    const result = applyDeliveries(state({}), [{ at: AT, items: [opened, unknown] }], observed);
    expect(result.applied).toBe(1);
    expect(result.state.entries['web-0/api']).toMatchObject({ target: 'web-0', open: { openedAt: AT }, lastSeenAt: AT });
    expect(Object.keys(result.state.entries)).toEqual(['web-0/api']);
  });

  it('applies notices oldest first: opened, then resolved, leaves it closed', () => {
    const later = '2026-11-23T02:10:00.000Z';
    const result = applyDeliveries(
      state({ 'web-0/api': base() }),
      [
        { at: later, items: [resolved] },
        { at: AT, items: [opened] },
      ],
      new Map(),
    );
    expect(result.applied).toBe(2);
    expect(result.state.entries['web-0/api']!.open).toBeNull();
  });
});
