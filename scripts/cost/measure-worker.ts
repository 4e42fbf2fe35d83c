/**
 * Runs inside a child process, bundled by esbuild the way the Lambda function is, so its start-up
 * time and memory are those of the product code alone: the health job (probes, then the alert
 * engine with its state in S3) run after run against the loopback servers the parent started.
 *
 *   node worker.mjs <input.json>   -> one JSON line (WorkerResult) on stdout
 */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { createS3Client } from '../../functions/core/adapters/s3/s3-client.js';
import { S3ObjectStore } from '../../functions/core/adapters/s3/s3-object-store.js';
import { localSecrets } from '../../functions/core/adapters/local/local-secrets.js';
import type { Notification } from '../../functions/core/domain/report.js';
import type { Notifier } from '../../functions/core/ports/notifier.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject, StreamedObject } from '../../functions/core/ports/object-store.js';
import { writeFindingLog } from '../../functions/core/observability/finding-log.js';
import { runJob } from '../../functions/core/run/run-job.js';
import { collectHealthFindings } from '../../functions/health/collect-health-findings.js';
import { validateConfig } from '../../functions/kinds/config.js';

// Taken before anything else runs: process start to here is the bundle's start-up (INIT) time.
const readyAtMs = performance.now();

export interface WorkerInput {
  readonly config: unknown;
  readonly ca: string;
  readonly bucket: string;
  readonly intervals: readonly string[];
  readonly runs: number;
  readonly warmup: number;
}

export interface S3Counts {
  gets: number;
  puts: number;
  lists: number;
  putBytes: number;
}

export interface RunSample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly probesMs: number;
  readonly s3: S3Counts;
  /** Bytes of the finding log lines the run writes for the dashboard (they go to CloudWatch Logs). */
  readonly findingLogBytes: number;
}

export interface IntervalResult {
  readonly every: string;
  readonly checks: number;
  readonly samples: readonly RunSample[];
  /** Findings that were not `ok`: a probe that failed would make the timing meaningless. */
  readonly notOk: readonly string[];
}

export interface WorkerResult {
  readonly initMs: number;
  readonly rssAfterInitBytes: number;
  readonly maxRssBytes: number;
  readonly heapUsedAfterInitBytes: number;
  readonly maxHeapUsedBytes: number;
  readonly notifications: number;
  readonly intervals: readonly IntervalResult[];
}

/** The product's S3 store, counting the requests each call makes. */
class CountingStore implements ObjectStore {
  counts: S3Counts = { gets: 0, puts: 0, lists: 0, putBytes: 0 };
  constructor(private readonly inner: ObjectStore) {}
  get location(): string {
    return this.inner.location;
  }
  get(key: string): Promise<StoredObject | undefined> {
    this.counts.gets++;
    return this.inner.get(key);
  }
  put(key: string, body: string | Buffer, options?: PutOptions): Promise<{ etag: string }> {
    this.counts.puts++;
    this.counts.putBytes += Buffer.byteLength(body);
    return this.inner.put(key, body, options);
  }
  list(prefix: string): Promise<ObjectInfo[]> {
    this.counts.lists++;
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    this.counts.puts++;
    return this.inner.delete(key);
  }
  putStream(key: string, body: Readable, options?: { contentType?: string; signal?: AbortSignal }): Promise<StreamedObject> {
    this.counts.puts++;
    return this.inner.putStream(key, body, options);
  }
  getStream(key: string): Promise<Readable> {
    this.counts.gets++;
    return this.inner.getStream(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    this.counts.gets++;
    return this.inner.head(key);
  }
  take(): S3Counts {
    const counts = this.counts;
    this.counts = { gets: 0, puts: 0, lists: 0, putBytes: 0 };
    return counts;
  }
}

async function main(): Promise<void> {
  const rssAfterInitBytes = process.memoryUsage.rss();
  const heapUsedAfterInitBytes = process.memoryUsage().heapUsed;
  const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as WorkerInput;
  const config = validateConfig(input.config);
  const store = new CountingStore(new S3ObjectStore(input.bucket, createS3Client(process.env.S3_ENDPOINT)));
  let notifications = 0;
  const notifier: Notifier = {
    async publish(_: Notification) {
      notifications++;
    },
  };
  let maxHeapUsedBytes = heapUsedAfterInitBytes;
  const intervals: IntervalResult[] = [];

  for (const every of input.intervals) {
    const samples: RunSample[] = [];
    const notOk = new Set<string>();
    let checks = 0;
    for (let i = 0; i < input.warmup + input.runs; i++) {
      let probesMs = 0;
      store.take();
      const cpuBefore = process.cpuUsage();
      const start = performance.now();
      const report = await runJob('health', { config, store, notifier }, async () => {
        const probesStart = performance.now();
        const findings = await collectHealthFindings(config, { every, secrets: localSecrets, http: { ca: input.ca } });
        probesMs = performance.now() - probesStart;
        return findings;
      });
      const wallMs = performance.now() - start;
      const cpu = process.cpuUsage(cpuBefore);
      maxHeapUsedBytes = Math.max(maxHeapUsedBytes, process.memoryUsage().heapUsed);
      checks = report.findings.length;
      for (const f of report.findings) if (f.severity !== 'ok') notOk.add(`${f.target}/${f.check}: ${f.severity} ${f.summary}`);
      const s3 = store.take();
      // What the deployed function writes for the dashboard, counted rather than printed (stdout carries the result).
      const findingLogBytes = writeFindingLog(() => {}, 'health', report.findings);
      if (i >= input.warmup) samples.push({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, probesMs, s3, findingLogBytes });
    }
    intervals.push({ every, checks, samples, notOk: [...notOk] });
  }

  const result: WorkerResult = {
    initMs: readyAtMs,
    rssAfterInitBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedAfterInitBytes,
    maxHeapUsedBytes,
    notifications,
    intervals,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
