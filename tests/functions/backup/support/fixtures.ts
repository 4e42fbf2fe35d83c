import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3TestClient } from '../../../support/s3-server.js';
import type { Notification } from '../../../../functions/core/domain/report.js';
import type { Notifier } from '../../../../functions/core/ports/notifier.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject, StreamedObject } from '../../../../functions/core/ports/object-store.js';
import { freePort, type PostgresCluster } from '../../../support/postgres-cluster.js';
import type { ConfigInput } from '../../../../functions/kinds/config.js';

/**
 * A database shaped like the runbooks' apps: several tables in two schemas, a partitioned
 * table, foreign keys, an empty table, and text (unicode, quotes, newlines), jsonb, bytea,
 * numeric, dates and timestamps, arrays; a few thousand rows in all.
 */
export const REALISTIC_SCHEMA_SQL = `
  CREATE EXTENSION IF NOT EXISTS pgcrypto;
  CREATE TABLE owners (
    id bigserial PRIMARY KEY, name text NOT NULL, email text UNIQUE, profile jsonb,
    created_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE cats (
    id serial PRIMARY KEY, owner_id bigint REFERENCES owners(id), name text NOT NULL, breed text,
    weight_kg numeric(5,2), photo bytea, born date, tags text[], notes text);
  CREATE TABLE visits (
    id bigserial PRIMARY KEY, cat_id int NOT NULL REFERENCES cats(id), visited_at timestamp,
    cost numeric(12,2), diagnosis jsonb);
  CREATE INDEX visits_cat_idx ON visits (cat_id, visited_at);
  CREATE SCHEMA audit;
  CREATE TABLE audit.events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz, actor text, payload jsonb);
  CREATE TABLE metrics (id int NOT NULL, at date NOT NULL, value double precision) PARTITION BY RANGE (at);
  CREATE TABLE metrics_h1 PARTITION OF metrics FOR VALUES FROM ('2026-01-01') TO ('2026-07-01');
  CREATE TABLE metrics_h2 PARTITION OF metrics FOR VALUES FROM ('2026-07-01') TO ('2027-01-01');
  CREATE TABLE empty_table (id int PRIMARY KEY);
  CREATE VIEW heavy_cats AS SELECT id, name FROM cats WHERE weight_kg > 5;

  INSERT INTO owners (name, email, profile, created_at)
  SELECT CASE WHEN i % 3 = 0 THEN '飼い主 ' || i ELSE 'Owner "' || i || E'"\\n O''Brien \\\\ 🐱' END,
         'owner' || i || '@example.com',
         jsonb_build_object('phone', '+81-90-' || lpad(i::text, 8, '0'), 'vip', i % 7 = 0, 'pets', jsonb_build_array(i, i * 2)),
         timestamptz '2026-01-01 00:00:00+09' + i * interval '37 minutes'
  FROM generate_series(1, 500) i;
  INSERT INTO cats (owner_id, name, breed, weight_kg, photo, born, tags, notes)
  SELECT 1 + (i % 500), 'Cat ' || i, (ARRAY['Scottish Fold', 'Munchkin', '雑種', NULL])[1 + i % 4],
         round((2 + random() * 6)::numeric, 2), gen_random_bytes(32 + i % 200), date '2015-01-01' + (i % 3000),
         ARRAY['tag' || (i % 5), 'tag' || (i % 11)], CASE WHEN i % 10 = 0 THEN NULL ELSE repeat(md5(i::text), 1 + i % 4) END
  FROM generate_series(1, 2000) i;
  INSERT INTO visits (cat_id, visited_at, cost, diagnosis)
  SELECT 1 + (i % 2000), timestamp '2026-01-01' + i * interval '13 minutes 7 seconds', round((random() * 50000)::numeric, 2),
         jsonb_build_object('code', 'D' || (i % 97), 'notes', md5(i::text), 'weights', jsonb_build_array(random(), random()))
  FROM generate_series(1, 5000) i;
  INSERT INTO audit.events (at, actor, payload)
  SELECT now() - i * interval '1 hour', 'user' || (i % 13), jsonb_build_object('action', 'update', 'row', i)
  FROM generate_series(1, 1000) i;
  INSERT INTO metrics SELECT i, date '2026-01-01' + (i % 360), random() * 1000 FROM generate_series(1, 2000) i;
`;

export async function seedRealisticDatabase(cluster: PostgresCluster, database: string): Promise<void> {
  await cluster.createDatabase(database);
  await cluster.query(REALISTIC_SCHEMA_SQL, database);
}

/** A table big enough that a dump is still streaming when a test pulls the plug (about `mib` MiB of random bytes). */
export async function seedLargeTable(cluster: PostgresCluster, database: string, mib: number): Promise<void> {
  await cluster.query(
    `CREATE EXTENSION IF NOT EXISTS pgcrypto;
     CREATE TABLE big (id int PRIMARY KEY, payload bytea NOT NULL);
     INSERT INTO big SELECT i, gen_random_bytes(1024) FROM generate_series(1, ${mib * 1024}) i;`,
    database,
  );
}

export interface TableChecksum {
  readonly rows: number;
  readonly md5: string;
}

/** Row count and md5 of every row's text, in a stable order, for each table with rows of its own. */
export async function tableChecksums(cluster: PostgresCluster, database: string): Promise<Record<string, TableChecksum>> {
  const tables = await cluster.query<{ q: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_' ORDER BY 1`,
    database,
  );
  const result: Record<string, TableChecksum> = {};
  for (const { q } of tables) {
    const [row] = await cluster.query<{ n: string; sum: string }>(
      `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum FROM ${q} t`,
      database,
    );
    result[q] = { rows: Number(row!.n), md5: row!.sum };
  }
  return result;
}

export async function sequenceValues(cluster: PostgresCluster, database: string): Promise<Record<string, string>> {
  const rows = await cluster.query<{ name: string; value: string }>(
    `SELECT schemaname || '.' || sequencename AS name, coalesce(last_value, 0)::text AS value FROM pg_sequences ORDER BY 1`,
    database,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

export function postgresEntry(cluster: PostgresCluster, database: string, extra: Record<string, unknown> = {}) {
  return {
    host: '127.0.0.1',
    port: cluster.port,
    database,
    user: cluster.superuser,
    password: cluster.password,
    ssl: false,
    backup: {},
    ...extra,
  };
}

export function configWith(targets: ConfigInput['targets']): ConfigInput {
  return { timezone: 'Asia/Tokyo', targets };
}

/** Keeps every notification it is given (the alert engine's output), as SNS would receive them. */
export class RecordingNotifier implements Notifier {
  readonly published: Notification[] = [];
  async publish(notification: Notification): Promise<void> {
    this.published.push(notification);
  }
}

/**
 * An ObjectStore decorator for fault tests: reports upload progress (so a test can kill a server
 * while bytes are flowing), counts what is read back, and can corrupt it.
 */
export class ObservedStore implements ObjectStore {
  uploaded = 0;
  /** Bytes read from getStream bodies (a verification that needs only the head reads few). */
  downloaded = 0;
  constructor(
    private readonly inner: ObjectStore,
    private readonly hooks: { onUploadProgress?: (bytes: number) => void; corruptReads?: 'first' | 'last' } = {},
  ) {}
  get location(): string {
    return this.inner.location;
  }
  get(key: string): Promise<StoredObject | undefined> {
    return this.inner.get(key);
  }
  put(key: string, body: string | Buffer, options?: PutOptions): Promise<{ etag: string }> {
    return this.inner.put(key, body, options);
  }
  list(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  putStream(key: string, body: Readable, options?: { contentType?: string; signal?: AbortSignal }): Promise<StreamedObject> {
    const counted = new PassThrough();
    body.on('error', (error) => counted.destroy(error));
    body.on('data', (chunk: Buffer) => {
      this.uploaded += chunk.length;
      this.hooks.onUploadProgress?.(this.uploaded);
    });
    body.pipe(counted);
    return this.inner.putStream(key, counted, options);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  async getStream(key: string): Promise<Readable> {
    const inner = await this.inner.getStream(key);
    const stream = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.downloaded += chunk.length;
        done(null, chunk);
      },
    });
    inner.on('error', (error) => stream.destroy(error));
    // A reader that stops early (destroys what it got) stops the inner download too.
    stream.on('close', () => inner.destroy());
    inner.pipe(stream);
    const mode = this.hooks.corruptReads;
    if (!mode) return stream;
    // Flips one byte: at offset 100 (the archive's header and table of contents), or in the
    // last chunk (the end of the last data block).
    let seen = 0;
    let held: Buffer | undefined;
    const corrupt = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (mode === 'first') {
          const out = seen <= 100 && seen + chunk.length > 100 ? Buffer.from(chunk) : chunk;
          if (out !== chunk) out[100 - seen] = out[100 - seen]! ^ 0xff;
          seen += chunk.length;
          return done(null, out);
        }
        const previous = held;
        held = chunk;
        done(null, previous);
      },
      flush(done) {
        if (held) {
          const last = Buffer.from(held);
          last[last.length - 1] = last[last.length - 1]! ^ 0xff;
          this.push(last);
        }
        done();
      },
    });
    stream.on('error', (error) => corrupt.destroy(error));
    corrupt.on('close', () => stream.destroy());
    return stream.pipe(corrupt);
  }
}

const S3RVER_CHILD = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));

/**
 * s3rver in a child process, so a test can kill it like a crashed S3 endpoint (SIGKILL) and
 * start it again on the same port and directory to look at what was left.
 */
export class S3rverProcess {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly bucket: string,
  ) {}

  static async start(bucket = 'autopilot-faults'): Promise<S3rverProcess> {
    const server = new S3rverProcess(await freePort(), mkdtempSync(join(tmpdir(), 'autopilot-s3p-')), bucket);
    await server.resume();
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  client(): S3Client {
    return s3TestClient(this.endpoint, { maxAttempts: 2 });
  }

  async resume(): Promise<void> {
    const child = spawn(process.execPath, [S3RVER_CHILD, String(this.port), this.dir, this.bucket], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.child = child;
    // Never outlive the test process, whatever happens to it.
    process.once('exit', () => child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  destroy(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
