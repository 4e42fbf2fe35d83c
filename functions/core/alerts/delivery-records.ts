import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Job } from '../domain/report.js';
import type { AlertSeverity, Severity } from '../domain/severity.js';
import { deliveryRecordPrefix, keyTimestamp, parseKeyTimestamp } from '../layout.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Change } from './notice.js';
import type { OutboxEntry } from './state.js';

/*
 * The delivery journal: one small object per notice delivered on one channel, written right after the publish and
 * before the outbox entry is settled, beside the state (`state/alerts/<job>.delivery.<at>-<notice>-<channel>...`).
 *
 * The state document says what was claimed; these records say what actually went out, and they live apart from the
 * state so that whatever happens to it they are still there:
 * - a run that died (or exited 4) after publishing leaves its claim in the outbox: the next run finds the record and
 *   settles the entry without publishing it again;
 * - a state read from an earlier copy (the current one damaged or deleted) predates some deliveries: the records newer
 *   than the copy (`savedAt`) are applied to it (replay.ts), so nothing already delivered is planned again;
 * - a run whose state could not be saved at all (a full store) still publishes, then records what it delivered: the
 *   next run applies it and does not open the alert a second time.
 *
 * A record is normally a JSON document (`.json`). When that cannot be written (a full disk: no block left for its
 * body) the same record is written as empty objects whose names carry it (`.c<part>.<items>`): an empty file in an
 * existing directory needs no free block, so a full directory store still takes it. Each item is then 15 characters:
 * the first 12 hex digits of the SHA-256 of its alert key, its change, its severity and the notice's topic.
 */

/**
 * Records older than this are deleted: by then no copy of the state older than them is left to recover from (a
 * versioned bucket keeps overwritten versions 7 days; a directory keeps one `.prev`).
 */
export const DELIVERY_RECORD_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;
/** Old records deleted per run at most, so a backlog never makes one run slow. */
const PRUNE_PER_RUN = 50;
/** The longest file name a directory store takes (a path component on Linux). */
const NAME_MAX = 255;
const HASH_CHARS = 12;

const CHANGE_CODES: Readonly<Record<Change, string>> = {
  opened: 'o',
  escalated: 'e',
  repeat: 'r',
  flapping: 'f',
  stable: 's',
  resolved: 'x',
};
const SEVERITY_CODES: Readonly<Record<Severity, string>> = { ok: 'k', low: 'l', medium: 'm', high: 'h', critical: 'c' };
const decode = <T extends string>(codes: Readonly<Record<T, string>>, code: string): T | undefined =>
  (Object.keys(codes) as T[]).find((k) => codes[k] === code);

/** What a record says of one item of the notice: enough to advance the alert's bookkeeping as its delivery did. */
export interface RecordedItem {
  /** SHA-256 of the alert key, first 12 hex digits: how a compact record names it. */
  readonly keyHash: string;
  /** The alert key and its parts: full records only (a compact record's item is matched by keyHash). */
  readonly key?: string;
  readonly target?: string;
  readonly check?: string;
  readonly kind?: string;
  readonly change: Change;
  /** The check's severity in the run that planned the notice. */
  readonly severity: Severity;
  /** The notice's topic: the severity subscribers were told. */
  readonly topic: AlertSeverity;
}

/** One delivered notice on one channel, as listed from the store. */
export interface DeliveryRecord {
  /** `<at>-<notice>-<channel>`: what an outbox entry's recordIdOf() gives. */
  readonly id: string;
  /** When the notice was planned (the run's time, its items' observation time). */
  readonly at: string;
  /** The planned notice within its run (first 12 hex digits of the SHA-256 of the entry id without its channel). */
  readonly notice: string;
  readonly channel: string;
  /** The object keys of the record (one `.json`, or the parts of a compact record). */
  readonly keys: readonly string[];
  /** The newest write time of its objects. */
  readonly lastModified: Date;
  /** A compact record's items; undefined for a full record until readItems(). */
  readonly items?: readonly RecordedItem[];
  readonly stateLost: boolean;
}

export function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_CHARS);
}

/** The notice an outbox entry delivers, across channels: its id without `#<channel>`. */
function noticeOf(entry: Pick<OutboxEntry, 'id'>): string {
  const hash = entry.id.lastIndexOf('#');
  return hashOf(hash < 0 ? entry.id : entry.id.slice(0, hash));
}

/** The id of the record an outbox entry's delivery writes. */
export function recordIdOf(entry: Pick<OutboxEntry, 'id' | 'createdAt' | 'channel'>): string {
  return `${keyTimestamp(new Date(entry.createdAt))}-${noticeOf(entry)}-${entry.channel}`;
}

function recordedItemsOf(entry: OutboxEntry): RecordedItem[] {
  const planned = entry.planned;
  if (!planned) return [];
  return planned.items.map((item) => ({
    keyHash: hashOf(item.key),
    key: item.key,
    target: item.target,
    check: item.check,
    kind: item.kind,
    change: item.change,
    severity: item.severity,
    topic: planned.severity,
  }));
}

const fullRecordSchema = z.object({
  version: z.literal(1),
  entry: z.string(),
  channel: z.string(),
  at: z.string(),
  deliveredAt: z.string(),
  stateLost: z.boolean(),
  items: z.array(
    z.object({
      keyHash: z.string(),
      key: z.string(),
      target: z.string(),
      check: z.string(),
      kind: z.string(),
      change: z.enum(['opened', 'escalated', 'repeat', 'flapping', 'stable', 'resolved']),
      severity: z.enum(['ok', 'low', 'medium', 'high', 'critical']),
      topic: z.enum(['low', 'medium', 'high', 'critical']),
    }),
  ),
});

/** The names of a compact record: each part within NAME_MAX, every item in exactly one part. */
function compactKeys(job: Job, id: string, entry: OutboxEntry): string[] {
  const base = `${deliveryRecordPrefix(job)}${id}`;
  if (entry.stateLost) return [`${base}.c0.lost`];
  const codes = recordedItemsOf(entry).map(
    (item) => `${item.keyHash}${CHANGE_CODES[item.change]}${SEVERITY_CODES[item.severity]}${SEVERITY_CODES[item.topic]}`,
  );
  const fileName = base.slice(base.lastIndexOf('/') + 1);
  const room = NAME_MAX - fileName.length - '.c000.'.length;
  const perPart = Math.max(1, Math.floor(room / 15));
  const keys: string[] = [];
  for (let i = 0; i * perPart < codes.length; i++) keys.push(`${base}.c${i}.${codes.slice(i * perPart, (i + 1) * perPart).join('')}`);
  return keys.length ? keys : [`${base}.c0.`];
}

/** How a delivery was recorded: as a JSON document, as named empty objects (the store had no room), or not at all. */
export type RecordOutcome = { readonly as: 'full' | 'compact' } | { readonly as: 'none'; readonly error: string };

/**
 * Records that `entry` was delivered (before it is settled). A full record first; when the store refuses it, the
 * compact one. Never throws: an unrecorded delivery is at worst repeated once by a later run, the at-least-once the
 * outbox always promised.
 */
export async function writeDeliveryRecord(store: ObjectStore, job: Job, entry: OutboxEntry, deliveredAt: Date): Promise<RecordOutcome> {
  const id = recordIdOf(entry);
  const body = {
    version: 1,
    entry: entry.id,
    channel: entry.channel,
    at: entry.createdAt,
    deliveredAt: deliveredAt.toISOString(),
    stateLost: Boolean(entry.stateLost),
    items: recordedItemsOf(entry),
  };
  try {
    await store.put(`${deliveryRecordPrefix(job)}${id}.json`, `${JSON.stringify(body)}\n`, { contentType: 'application/json' });
    return { as: 'full' };
  } catch {
    try {
      for (const key of compactKeys(job, id, entry)) await store.put(key, '', { contentType: 'application/octet-stream' });
      return { as: 'compact' };
    } catch (error) {
      return { as: 'none', error: error instanceof Error ? error.message : String(error) };
    }
  }
}

const RECORD_NAME = /^(\d{8}T\d{6}\.\d{3}Z)-([0-9a-f]{12})-([a-z0-9-]+)(?:\.json|\.c(\d+)\.([0-9a-z]*))$/;

function compactItems(payload: string): RecordedItem[] | 'lost' | undefined {
  if (payload === 'lost') return 'lost';
  if (payload.length % 15 !== 0) return undefined;
  const items: RecordedItem[] = [];
  for (let i = 0; i < payload.length; i += 15) {
    const code = payload.slice(i, i + 15);
    const change = decode(CHANGE_CODES, code[12]!);
    const severity = decode(SEVERITY_CODES, code[13]!);
    const topic = decode(SEVERITY_CODES, code[14]!);
    if (!/^[0-9a-f]{12}$/.test(code.slice(0, 12)) || !change || !severity || !topic || topic === 'ok') return undefined;
    items.push({ keyHash: code.slice(0, 12), change, severity, topic });
  }
  return items;
}

export interface ListedRecords {
  readonly records: ReadonlyMap<string, DeliveryRecord>;
  /** Records past DELIVERY_RECORD_RETENTION_MS that this listing deleted. */
  readonly pruned: number;
}

/**
 * The job's delivery records, by id, and old ones deleted (at most PRUNE_PER_RUN a run; a failed delete is left for a
 * later run). Objects whose names do not parse are ignored: they are not records.
 */
export async function listDeliveryRecords(store: ObjectStore, job: Job, now: Date): Promise<ListedRecords> {
  const prefix = deliveryRecordPrefix(job);
  const objects = await store.list(prefix);
  const byId = new Map<
    string,
    { at: string; notice: string; channel: string; keys: string[]; lastModified: Date; items?: RecordedItem[]; lost: boolean }
  >();
  const expired: string[] = [];
  for (const object of objects) {
    const match = RECORD_NAME.exec(object.key.slice(prefix.length));
    const at = match && parseKeyTimestamp(match[1]!);
    if (!match || !at) continue;
    if (now.getTime() - object.lastModified.getTime() > DELIVERY_RECORD_RETENTION_MS) {
      expired.push(object.key);
      continue;
    }
    const id = `${match[1]}-${match[2]}-${match[3]}`;
    const record = byId.get(id) ?? {
      at: at.toISOString(),
      notice: match[2]!,
      channel: match[3]!,
      keys: [],
      lastModified: object.lastModified,
      lost: false,
    };
    record.keys.push(object.key);
    if (object.lastModified > record.lastModified) record.lastModified = object.lastModified;
    if (match[4] !== undefined) {
      const items = compactItems(match[5]!);
      if (items === 'lost') record.lost = true;
      else if (items) record.items = [...(record.items ?? []), ...items];
    }
    byId.set(id, record);
  }
  let pruned = 0;
  for (const key of expired.slice(0, PRUNE_PER_RUN)) {
    await store.delete(key).then(
      () => pruned++,
      () => undefined,
    );
  }
  const records = new Map<string, DeliveryRecord>();
  for (const [id, r] of byId) {
    const full = r.keys.some((key) => key.endsWith('.json'));
    records.set(id, {
      id,
      at: r.at,
      notice: r.notice,
      channel: r.channel,
      keys: r.keys,
      lastModified: r.lastModified,
      stateLost: r.lost,
      ...(full ? {} : { items: r.items ?? [] }),
    });
  }
  return { records, pruned };
}

/** A record's items: a compact record has them from its names; a full one is read (an unreadable one has none known). */
export async function readItems(store: ObjectStore, record: DeliveryRecord): Promise<readonly RecordedItem[]> {
  if (record.items) return record.items;
  const key = record.keys.find((k) => k.endsWith('.json'))!;
  try {
    const object = await store.get(key);
    if (!object) return [];
    return fullRecordSchema.parse(JSON.parse(object.body.toString('utf8'))).items;
  } catch {
    return [];
  }
}

/** Notices delivered at `at` (their run's time), as their delivery records tell. */
export interface Delivered {
  readonly at: string;
  readonly items: readonly RecordedItem[];
}

/** One run's view of the job's delivery records: listed once, then asked what was delivered, and added to. */
export class DeliveryJournal {
  private records: ReadonlyMap<string, DeliveryRecord> = new Map();
  private readonly items = new Map<string, Promise<readonly RecordedItem[]>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly job: Job,
    /** The channels this run delivers on: a notice counts as delivered once it is recorded on each. */
    private readonly channels: readonly string[],
    private readonly now: Date,
  ) {}

  get location(): string {
    return this.store.location;
  }

  /** Lists the records (and deletes expired ones); until it is called, the journal knows of none. */
  async list(): Promise<void> {
    this.records = (await listDeliveryRecords(this.store, this.job, this.now)).records;
  }

  /** The ids of the entries of `outbox` whose delivery on their channel is recorded. */
  deliveredOf(outbox: readonly OutboxEntry[]): Set<string> {
    return new Set(outbox.filter((entry) => this.records.has(recordIdOf(entry))).map((entry) => entry.id));
  }

  /**
   * The notices planned after `savedAt` (all, when it is unknown) and recorded on every channel of this run, with
   * their items: what a state saved at `savedAt` does not know was delivered. A notice recorded on some channels only
   * is left out: applying it would take its bookkeeping as done for a channel that never got it (that one then gets
   * it again, as it should; the others may get it twice).
   */
  async newerThan(savedAt: string | undefined): Promise<Delivered[]> {
    const after = savedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(savedAt);
    const notices = new Map<string, DeliveryRecord[]>();
    for (const record of this.records.values()) {
      if (Date.parse(record.at) <= after) continue;
      const id = `${record.at}-${record.notice}`;
      notices.set(id, [...(notices.get(id) ?? []), record]);
    }
    const result: Delivered[] = [];
    for (const [id, records] of notices) {
      if (!this.channels.every((channel) => records.some((r) => r.channel === channel))) continue;
      const record = records.find((r) => r.items) ?? records[0]!;
      if (!this.items.has(id)) this.items.set(id, readItems(this.store, record));
      result.push({ at: record.at, items: await this.items.get(id)! });
    }
    return result;
  }

  /** Records `entry` as delivered now. */
  async record(entry: OutboxEntry): Promise<RecordOutcome> {
    const outcome = await writeDeliveryRecord(this.store, this.job, entry, new Date());
    return outcome;
  }
}
